// Drift blocking at the MCP door: when server.tools.drifted names blocked tools, the gateway hides them from
// tools/list and refuses tools/call with the denied-by-policy error naming `drift:<tool>` (the same decision function
// as the grants), until server.tools.drift_cleared; late or repeated events do not undo a newer state.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { GatewayModule } from '../src';
import { mcpPost, rpcOf, startProbeServer, toolCall, toolsList } from './audit-support';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const LIVE = `sha256:${'b'.repeat(64)}`;

describe('drift blocking at the MCP door', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let token: string;
  let probe: Awaited<ReturnType<typeof startProbeServer>>;
  const serverId = randomUUID();
  const otherServer = randomUUID();
  const artifactRunId = randomUUID();

  const at = (offsetMs: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + offsetMs).toISOString();

  const drifted = (id: string, blocked: string[], detectedAt: string) =>
    publishTestEvent(kafka.brokers, 'server.tools.drifted', {
      server_id: id,
      artifact_run_id: artifactRunId,
      certified_digest: DIGEST,
      live_digest: LIVE,
      changed:
        blocked.length > 0
          ? blocked.map((tool) => ({ tool, change: 'description' as const }))
          : [{ tool: 'echo', change: 'annotations' as const }],
      blocked_tools: blocked,
      detected_at: detectedAt,
    });

  const cleared = (id: string, clearedAt: string) =>
    publishTestEvent(kafka.brokers, 'server.tools.drift_cleared', {
      server_id: id,
      artifact_run_id: artifactRunId,
      digest: DIGEST,
      cleared_at: clearedAt,
    });

  const listed = async (id = serverId) => {
    const res = await mcpPost(base, id, toolsList(), token);
    const tools = ((await rpcOf(res)).result as { tools: { name: string }[] }).tools;
    return tools.map((t) => t.name).sort();
  };

  const call = async (tool: string, id = serverId) => rpcOf(await mcpPost(base, id, toolCall(tool), token));

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_mcp_drift'), startTestKafka()]);
    probe = await startProbeServer();
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-drift-'));
    gateway = await createServiceApp(
      GatewayModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
        },
      }),
    );
    base = await gateway.listen(0, '127.0.0.1');
    const admin = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const created = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'drift-agent', role: 'operator' }),
    });
    const agent = (await created.json()) as { token: string; id: string };
    token = agent.token;
    for (const id of [serverId, otherServer]) {
      await publishTestEvent(kafka.brokers, 'grant.created', {
        id: randomUUID(),
        server_id: id,
        subject: `token:${agent.id}`,
        allow_tools: ['*'],
        deny_tools: [],
        version: 1,
        created_by: 'admin@example.com',
        created_at: new Date().toISOString(),
      });
      await publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
        server_id: id,
        from_status: null,
        to_status: 'running',
        reason: null,
        version: 1,
        changed_at: new Date().toISOString(),
        endpoint: probe.jsonUrl,
      });
    }
    for (const id of [serverId, otherServer]) {
      await waitFor(
        async () =>
          (await mcpPost(base, id, toolsList(), token)).status === 200 && (await listed(id)).length === 3,
        { timeoutMs: 30_000, what: 'the server and its grant to be projected' },
      );
    }
  });

  afterAll(async () => {
    await gateway?.close();
    await probe?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when a drift blocks a tool, then it leaves tools/list and a call gets the denied-by-policy error naming drift:<tool>', async () => {
    await drifted(serverId, ['wipe'], at(0));
    await waitFor(async () => !(await listed()).includes('wipe'), {
      timeoutMs: 20_000,
      what: 'the drift to be projected',
    });
    expect(await listed()).toEqual(['echo', 'fail']);
    expect(await call('wipe')).toMatchObject({
      error: {
        code: -32003,
        message: expect.stringContaining('drift:wipe'),
        data: { reason: 'denied_by_policy', rule: 'drift:wipe', tool: 'wipe' },
      },
    });
    expect(await call('echo')).toHaveProperty('result');
    // The other server's tools are not touched.
    expect(await listed(otherServer)).toEqual(['echo', 'fail', 'wipe']);
    expect(await call('wipe', otherServer)).toHaveProperty('result');
  });

  it('when the drift is cleared, then the tool is listed and callable again; a late older drift does not block it again', async () => {
    await cleared(serverId, at(1_000));
    await waitFor(async () => (await listed()).includes('wipe'), {
      timeoutMs: 20_000,
      what: 'the clear to be projected',
    });
    expect(await call('wipe')).toHaveProperty('result');

    // A drift detected before the clear, delivered after it, changes nothing; a marker event after it shows it
    // has been consumed (same key, so the same partition and order).
    await drifted(serverId, ['wipe'], at(500));
    await drifted(otherServer, ['fail'], at(2_000));
    await publishTestEvent(kafka.brokers, 'server.tools.drifted', {
      server_id: serverId,
      artifact_run_id: artifactRunId,
      certified_digest: DIGEST,
      live_digest: LIVE,
      changed: [{ tool: 'echo', change: 'description' }],
      blocked_tools: ['echo'],
      detected_at: at(3_000),
    });
    await waitFor(async () => !(await listed()).includes('echo'), {
      timeoutMs: 20_000,
      what: 'the newer drift to be projected',
    });
    expect(await listed()).toEqual(['fail', 'wipe']);
    expect(((await call('echo')).error as { data: { rule: string } }).data.rule).toBe('drift:echo');
    await waitFor(async () => !(await listed(otherServer)).includes('fail'), {
      timeoutMs: 20_000,
      what: 'the other server drift',
    });
  });

  it('when a newer drift blocks nothing (blocking turned off), then the tools an older drift blocked are callable again', async () => {
    expect(await listed(otherServer)).toEqual(['echo', 'wipe']);
    await drifted(otherServer, [], at(4_000));
    await waitFor(async () => (await listed(otherServer)).length === 3, {
      timeoutMs: 20_000,
      what: 'the non-blocking drift to replace the blocking one',
    });
    expect(await call('fail', otherServer)).toHaveProperty('result');
  });
});

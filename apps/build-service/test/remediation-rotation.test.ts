// The rotate-registry-credentials remediation executor on real Postgres and the embedded broker: governance's request
// (a run of it moving to running, published through an outbox as governance does) runs the build service's
// credential refresher, which rewrites the dockerconfig; the refresh shows in the server's usage metrics, and the
// answer is remediation.action.completed with the credential health before and after. A request without a server,
// and an SLA re-announcement of the running run, run nothing.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, type EventPayload, type Metric } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { BuildServiceModule } from '../src';

let h: Harness;
let remediation: EventCollector;
const dir = mkdtempSync(join(tmpdir(), 'remediation-rotation-'));
const configPath = join(dir, 'config.json');
const refreshLog = join(dir, 'refresh.log');
const freshConfig = JSON.stringify({ auths: { '127.0.0.1:5999': { auth: 'YnVpbGRlcjpmcmVzaA==' } } });

beforeAll(async () => {
  // Credentials two days old: past REGISTRY_AUTH_MAX_AGE_SECONDS, so the probe says expired before the rotation.
  writeFileSync(
    configPath,
    JSON.stringify({ auths: { '127.0.0.1:5999': { auth: 'YnVpbGRlcjpzdGFsZQ==' } } }),
  );
  const old = new Date(Date.now() - 2 * 86_400_000);
  utimesSync(configPath, old, old);
  writeFileSync(join(dir, 'fresh.json'), freshConfig);
  // The refresher contract: rewrite $REGISTRY_AUTH_DOCKERCONFIG atomically and exit 0.
  const refresher = join(dir, 'refresh.sh');
  writeFileSync(
    refresher,
    `#!/bin/sh\nset -e\necho "$REGISTRY_AUTH_MODE $REGISTRY_ENDPOINT" >> "${refreshLog}"\ncp "${join(dir, 'fresh.json')}" "$REGISTRY_AUTH_DOCKERCONFIG.tmp"\nmv "$REGISTRY_AUTH_DOCKERCONFIG.tmp" "$REGISTRY_AUTH_DOCKERCONFIG"\n`,
  );
  chmodSync(refresher, 0o755);
  h = await startHarness('build_remediation', (env) => BuildServiceModule.forRoot({ env }), {
    REGISTRY_URL: '127.0.0.1:5999/mcp',
    REGISTRY_AUTH_DOCKERCONFIG: configPath,
    REGISTRY_AUTH_REFRESH_COMMAND: refresher,
    REGISTRY_AUTH_MAX_AGE_SECONDS: '86400',
  });
  remediation = await collectEvents(h.kafka.brokers, TOPICS.remediation.name);
});

afterAll(async () => {
  await remediation?.stop();
  await h?.close();
});

function request(
  runId: string,
  payload: Record<string, unknown>,
  from: 'awaiting_approval' | 'running' = 'awaiting_approval',
): EventPayload<'remediation.run.status_changed'> {
  return {
    run_id: runId,
    instance_id: randomUUID(),
    from_status: from,
    to_status: 'running',
    attempt: 1,
    duration_ms: null,
    reason: from === 'running' ? 'sla_breached' : 'executing rotate-registry-credentials',
    version: from === 'running' ? 4 : 3,
    changed_at: new Date().toISOString(),
    executor_type: 'rotate-registry-credentials',
    payload,
    sla_breached: from === 'running',
  };
}

const answersTo = (runId: string) =>
  remediation.events.filter((e) => e.type === 'remediation.action.completed' && e.payload.run_id === runId);

const refreshes = (): string[] => {
  try {
    return readFileSync(refreshLog, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('rotate-registry-credentials remediation', () => {
  it('when a rotation run starts, then the refresher rewrites the credentials once, the usage metrics show it, and governance is answered succeeded', async () => {
    const server = await h.registerServer({ name: `rot-${Date.now().toString(36)}`, server_type: 'Router' });
    await waitFor(
      async () =>
        (await h.serviceDb.query<unknown[]>('SELECT 1 FROM servers WHERE id = $1', [server.id])).length > 0,
      { timeoutMs: 15_000, what: 'the server in the projection' },
    );
    const runId = randomUUID();
    await h.publishFromPolicy('remediation.run.status_changed', request(runId, { server_id: server.id }));

    const answer = await waitFor(() => answersTo(runId)[0], { what: 'the answer', timeoutMs: 30_000 });
    expect(answer.payload).toMatchObject({
      executor_type: 'rotate-registry-credentials',
      outcome: 'succeeded',
      actor: 'build-service',
      evidence: {
        server_id: server.id,
        registry_endpoint: '127.0.0.1:5999',
        health_before: { status: 'expired' },
        health_after: { status: 'healthy' },
        refresh_attempted: true,
        refresh_succeeded: true,
      },
    });
    expect(readFileSync(configPath, 'utf8')).toBe(freshConfig);
    expect(refreshes()).toEqual(['refresh 127.0.0.1:5999']);

    const metrics = await waitFor(
      async () => {
        const res = await fetch(`${h.url}/api/servers/${server.id}/metrics`);
        const body = (await res.json()) as { items: Metric[] };
        const events = body.items.map((m) => m.event);
        return events.includes('auth_refresh_succeeded') && body.items;
      },
      { what: 'the refresh metrics', timeoutMs: 15_000 },
    );
    expect(metrics.map((m) => m.event)).toEqual(
      expect.arrayContaining(['auth_refresh_started', 'auth_refresh_succeeded']),
    );

    // The SLA mark re-announces the running run: the refresher does not run again.
    const again = await h.publishFromPolicy(
      'remediation.run.status_changed',
      request(runId, { server_id: server.id }, 'running'),
    );
    await h.waitForInbox(again);
    expect(refreshes()).toHaveLength(1);
    expect(answersTo(runId)).toHaveLength(1);
  });

  it('when the request names no server, then nothing runs and governance is answered failed', async () => {
    const runId = randomUUID();
    const before = refreshes().length;
    await h.publishFromPolicy('remediation.run.status_changed', request(runId, {}));
    const answer = await waitFor(() => answersTo(runId)[0], { what: 'the answer', timeoutMs: 30_000 });
    expect(answer.payload).toMatchObject({
      outcome: 'failed',
      detail: 'payload.server_id is not a server id',
    });
    expect(refreshes()).toHaveLength(before);
  });
});

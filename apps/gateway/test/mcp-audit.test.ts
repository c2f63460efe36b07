// The audit trail of MCP tool calls: every tools/call through /mcp/:server is recorded (allowed or denied, with its
// rule, result status and a hash of its arguments), published as mcp.tool.called, listed by GET /api/audit with
// filters and keyset pages, and streamed by GET /api/audit/stream.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS, auditListResponseSchema, type AuditEntry } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  SseClient,
  collectEvents,
  createTestDatabase,
  freePort,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { GatewayModule } from '../src';
import { mcpPost, rpcOf, startProbeServer, toolCall, toolsList } from './audit-support';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('the MCP tool-call audit trail', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;
  let agentToken: string;
  let agentId: string;
  let narrowToken: string;
  let viewerToken: string;
  let audit: EventCollector;
  let probe: Awaited<ReturnType<typeof startProbeServer>>;
  const sseServer = randomUUID();
  const jsonServer = randomUUID();
  const downServer = randomUUID();
  const broadGrant = randomUUID();
  const clients: SseClient[] = [];

  const api = (path: string, token = adminToken) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

  const createToken = async (role: string, name: string) => {
    const res = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role, owner: `${name}@example.com` }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; id: string };
  };

  const publishGrant = (id: string, serverId: string, subject: string, allow: string[], deny: string[] = []) =>
    publishTestEvent(kafka.brokers, 'grant.created', {
      id,
      server_id: serverId,
      subject,
      allow_tools: allow,
      deny_tools: deny,
      version: 1,
      created_by: 'admin@example.com',
      created_at: new Date().toISOString(),
    });

  const publishRunning = (serverId: string, endpoint: string) =>
    publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
      server_id: serverId,
      from_status: null,
      to_status: 'running',
      reason: null,
      version: 1,
      changed_at: new Date().toISOString(),
      endpoint,
    });

  const listAudit = async (query: string, token = adminToken) => {
    const res = await api(`/api/audit?${query}`, token);
    expect(res.status).toBe(200);
    return auditListResponseSchema.parse(await res.json());
  };

  const auditOf = async (serverId: string, tool: string): Promise<AuditEntry[]> =>
    (await listAudit(`server_id=${serverId}&tool=${tool}&limit=200`)).items;

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_mcp_audit'), startTestKafka()]);
    probe = await startProbeServer();
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-audit-'));
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
    adminToken = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const [agent, narrow, viewer] = await Promise.all([
      createToken('operator', 'audit-agent'),
      createToken('operator', 'audit-narrow'),
      createToken('viewer', 'audit-viewer'),
    ]);
    [agentToken, agentId, narrowToken, viewerToken] = [agent.token, agent.id, narrow.token, viewer.token];
    audit = await collectEvents(kafka.brokers, TOPICS.mcpAudit.name);
    for (const serverId of [sseServer, jsonServer, downServer]) {
      await publishGrant(
        serverId === sseServer ? broadGrant : randomUUID(),
        serverId,
        `token:${agentId}`,
        ['*'],
        ['wipe'],
      );
    }
    await publishGrant(randomUUID(), sseServer, `token:${narrow.id}`, ['echo']);
    const closedPort = await freePort();
    await publishRunning(sseServer, probe.sseUrl);
    await publishRunning(jsonServer, probe.jsonUrl);
    await publishRunning(downServer, `http://127.0.0.1:${closedPort}/mcp`);
    for (const serverId of [sseServer, jsonServer]) {
      await waitFor(
        async () => {
          const res = await mcpPost(base, serverId, toolsList(), agentToken);
          if (res.status !== 200) return false;
          const tools = ((await rpcOf(res)).result as { tools?: unknown[] } | undefined)?.tools ?? [];
          return tools.length === 2;
        },
        { timeoutMs: 30_000, what: 'the probe server and its grant to be projected' },
      );
    }
    await waitFor(async () => (await mcpPost(base, downServer, toolsList(), agentToken)).status === 502, {
      timeoutMs: 30_000,
      what: 'the unreachable server to be projected',
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await audit?.stop();
    await gateway?.close();
    await probe?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when an allowed call succeeds, then it is listed with its rule, status ok and only a hash of its arguments, and published alike', async () => {
    const args = { text: 'top secret words' };
    const res = await mcpPost(base, sseServer, toolCall('echo', args), agentToken);
    expect(res.status).toBe(200);
    expect(await rpcOf(res)).toMatchObject({ result: { content: [{ type: 'text', text: args.text }] } });

    await waitFor(async () => (await auditOf(sseServer, 'echo')).length === 1, {
      timeoutMs: 20_000,
      what: 'the echo call to be recorded',
    });
    const [entry] = await auditOf(sseServer, 'echo');
    expect(entry).toMatchObject({
      server_id: sseServer,
      tool: 'echo',
      subject: 'audit-agent@example.com',
      token_id: agentId,
      decision: 'allow',
      rule: `grant:${broadGrant}:allow:*`,
      result_status: 'ok',
      upstream_status: 200,
      arguments_sha256: sha256(args),
      agent_id: null,
      agent_session_id: null,
    });
    expect(entry.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(entry)).not.toContain('secret');

    await waitFor(() => audit.events.some((e) => e.payload.call_id === entry.id), {
      timeoutMs: 20_000,
      what: 'the mcp.tool.called event',
    });
    const event = audit.events.find((e) => e.payload.call_id === entry.id);
    expect(event?.type).toBe('mcp.tool.called');
    expect(event?.payload).toMatchObject({
      result: 'forwarded',
      result_status: 'ok',
      decision: 'allow',
      arguments_sha256: sha256(args),
    });
    expect(JSON.stringify(event?.payload)).not.toContain('secret');
  });

  it('when a tool answers isError, then the call is recorded as error; a JSON answer is read the same way', async () => {
    await rpcOf(await mcpPost(base, sseServer, toolCall('fail'), agentToken));
    const json = await mcpPost(base, jsonServer, toolCall('echo', { text: 'json' }), agentToken);
    expect(json.headers.get('content-type')).toContain('application/json');
    await rpcOf(json);
    await rpcOf(await mcpPost(base, jsonServer, toolCall('fail'), agentToken));
    await waitFor(
      async () =>
        (await auditOf(sseServer, 'fail')).length === 1 &&
        (await auditOf(jsonServer, 'echo')).length === 1 &&
        (await auditOf(jsonServer, 'fail')).length === 1,
      { timeoutMs: 20_000, what: 'the three calls to be recorded' },
    );
    expect((await auditOf(sseServer, 'fail'))[0].result_status).toBe('error');
    expect((await auditOf(jsonServer, 'echo'))[0].result_status).toBe('ok');
    expect((await auditOf(jsonServer, 'fail'))[0].result_status).toBe('error');
  });

  it('when a call is denied or its server does not answer, then it is recorded as denied or upstream_error', async () => {
    const denied = await rpcOf(await mcpPost(base, sseServer, toolCall('wipe', { all: true }), agentToken));
    expect(denied).toMatchObject({ error: { code: -32003, data: { rule: `grant:${broadGrant}:deny:wipe` } } });
    const down = await mcpPost(base, downServer, toolCall('echo', { text: 'x' }), agentToken);
    expect(down.status).toBe(502);
    await waitFor(
      async () =>
        (await auditOf(sseServer, 'wipe')).length === 1 && (await auditOf(downServer, 'echo')).length === 1,
      { timeoutMs: 20_000, what: 'the denied and failed calls to be recorded' },
    );
    expect((await auditOf(sseServer, 'wipe'))[0]).toMatchObject({
      decision: 'deny',
      rule: `grant:${broadGrant}:deny:wipe`,
      result_status: 'denied',
      upstream_status: null,
      arguments_sha256: sha256({ all: true }),
    });
    expect((await auditOf(downServer, 'echo'))[0]).toMatchObject({
      decision: 'allow',
      result_status: 'upstream_error',
      upstream_status: null,
    });
  });

  it('when the list is filtered and paged, then each filter applies and the pages cover every call once, newest first', async () => {
    const calls = 7;
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        mcpPost(base, sseServer, toolCall('echo', { text: `page ${i}` }), narrowToken).then(rpcOf),
      ),
    );
    await rpcOf(await mcpPost(base, sseServer, toolCall('wipe'), narrowToken));
    await waitFor(
      async () =>
        (await listAudit(`server_id=${sseServer}&subject=audit-narrow@example.com&limit=200`)).items.length === calls + 1,
      { timeoutMs: 20_000, what: 'the narrow calls to be recorded' },
    );
    const seen: AuditEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listAudit(
        `server_id=${sseServer}&subject=audit-narrow@example.com&tool=echo&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(calls);
    expect(new Set(seen.map((e) => e.id)).size).toBe(calls);
    const times = seen.map((e) => Date.parse(e.called_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(seen.map((e) => e.arguments_sha256)).size).toBe(calls);

    const denied = await listAudit(`server_id=${sseServer}&subject=audit-narrow@example.com&decision=deny`);
    expect(denied.items.map((e) => [e.tool, e.rule, e.result_status])).toEqual([
      ['wipe', 'default:deny', 'denied'],
    ]);
    const failed = await listAudit(`result_status=error&server_id=${jsonServer}`);
    expect(failed.items.map((e) => e.tool)).toEqual(['fail']);
  });

  it('when the query is wrong or the caller only a viewer, then 400 or 403', async () => {
    const cursor = await api('/api/audit?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(((await cursor.json()) as { error: { code: string } }).error.code).toBe('INVALID_CURSOR');
    expect((await api('/api/audit?decision=maybe')).status).toBe(400);
    expect((await api('/api/audit?server_id=nope')).status).toBe(400);
    expect((await api('/api/audit', viewerToken)).status).toBe(403);
    expect((await api('/api/audit/stream', viewerToken)).status).toBe(403);
  });

  it('when a client watches the audit stream with filters, then it gets only matching calls, and resumes after a drop', async () => {
    const open = async (path: string, headers: Record<string, string> = {}) => {
      const c = await SseClient.open(base, path, { authorization: `Bearer ${adminToken}`, ...headers });
      clients.push(c);
      return c;
    };
    const watch = await open(`/api/audit/stream?server_id=${jsonServer}&decision=deny`);
    expect(watch.status).toBe(200);
    const calls = () => watch.events.filter((e) => e.event === 'mcp.tool.called');
    await rpcOf(await mcpPost(base, jsonServer, toolCall('echo', { text: 'not watched' }), agentToken));
    await rpcOf(await mcpPost(base, sseServer, toolCall('wipe'), agentToken));
    await rpcOf(await mcpPost(base, jsonServer, toolCall('wipe', { n: 1 }), agentToken));
    await watch.waitFor((c) => c.events.some((e) => e.event === 'mcp.tool.called'), 20_000, 'a watched call');
    // Recorded in order: the two unwatched calls went before the watched one, so they would have arrived first.
    expect(calls().map((e) => JSON.parse(e.data) as { server_id: string; tool: string })).toEqual([
      expect.objectContaining({ server_id: jsonServer, tool: 'wipe', decision: 'deny' }),
    ]);
    const lastId = watch.lastId!;
    watch.close();

    await rpcOf(await mcpPost(base, jsonServer, toolCall('wipe', { n: 2 }), agentToken));
    const resumed = await open(`/api/audit/stream?server_id=${jsonServer}&decision=deny`, {
      'last-event-id': lastId,
    });
    await resumed.waitFor(
      (c) => c.events.some((e) => e.event === 'mcp.tool.called'),
      20_000,
      'the call made while away',
    );
    const missed = resumed.events
      .filter((e) => e.event === 'mcp.tool.called')
      .map((e) => JSON.parse(e.data) as { arguments_sha256: string });
    expect(missed[0].arguments_sha256).toBe(sha256({ n: 2 }));
  });

  it('when many calls arrive at once, then every one is recorded exactly once', async () => {
    const n = 120;
    const before = (await listAudit(`server_id=${jsonServer}&tool=echo&limit=200`)).items.length;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        mcpPost(base, jsonServer, toolCall('echo', { text: `burst ${i}` }), agentToken).then(rpcOf),
      ),
    );
    await waitFor(
      async () => (await listAudit(`server_id=${jsonServer}&tool=echo&limit=200`)).items.length === before + n,
      { timeoutMs: 30_000, what: 'every burst call to be recorded' },
    );
    const items = (await listAudit(`server_id=${jsonServer}&tool=echo&limit=200`)).items;
    const hashes = new Set(items.map((e) => e.arguments_sha256));
    for (let i = 0; i < n; i++) expect(hashes.has(sha256({ text: `burst ${i}` }))).toBe(true);
  });
});

// Agent sessions at the MCP door: a session-based MCP server (the official SDK over Streamable HTTP) runs on loopback,
// its endpoint, grants and agent sessions arrive as events, and the SDK client reaches it through /mcp/:server
// presenting its agent session in Mcp-Host-Agent-Session. A revoked session loses access within 5 s, streams it has
// open included; disabled grants stop applying until they are enabled again.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AgentSession, TrustLevel } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { z } from 'zod';
import { GatewayModule } from '../src';

/** A session-based MCP server with `echo` and `hold` (answers only when released), recording request headers. */
async function startSessionServer() {
  const seen: IncomingHttpHeaders[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const held: (() => void)[] = [];
  const build = () => {
    const server = new McpServer({ name: 'session-probe', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echoes its text.', inputSchema: { text: z.string() } },
      ({ text }) => ({ content: [{ type: 'text', text }] }),
    );
    server.registerTool(
      'hold',
      { description: 'Answers when released.', inputSchema: {} },
      async (_a, extra) => {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          extra.signal.addEventListener('abort', () => resolve());
        });
        return { content: [{ type: 'text', text: 'released' }] };
      },
    );
    return server;
  };
  const http = createServer((req, res) => {
    seen.push({ ...req.headers });
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (!transport) {
        if (typeof sid === 'string') {
          res.writeHead(404).end();
          return;
        }
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            transports.set(id, created);
          },
        });
        await build().connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    seen,
    release: () => held.splice(0).forEach((r) => r()),
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

describe('agent sessions at the MCP door', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;
  let token: string;
  let tokenId: string;
  let otherToken: string;
  let upstream: Awaited<ReturnType<typeof startSessionServer>>;
  const serverId = randomUUID();
  const otherServerId = randomUUID();
  const grantId = randomUUID();
  const clients: Client[] = [];

  const createToken = async (name: string) => {
    const res = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'operator' }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; id: string };
  };

  const session = (over: Partial<AgentSession> = {}): AgentSession => ({
    id: randomUUID(),
    agent_id: 'forecast-agent',
    subject: `token:${tokenId}`,
    server_id: serverId,
    trust_level: 'medium' as TrustLevel,
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    revoked: false,
    revoked_at: null,
    version: 1,
    created_by: 'admin@example.com',
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    ...over,
  });

  const publishSession = (s: AgentSession) =>
    publishTestEvent(
      kafka.brokers,
      s.version === 1
        ? 'agent.session.created'
        : s.revoked
          ? 'agent.session.revoked'
          : 'agent.session.unrevoked',
      s,
    );

  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };

  const mcpPost = (body: unknown, headers: Record<string, string>, server = serverId) =>
    fetch(`${base}/mcp/${server}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  const connect = async (agentSession: string, bearer = token) => {
    const client = new Client({ name: 'agent-session-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/${serverId}`), {
      requestInit: { headers: { authorization: `Bearer ${bearer}`, 'mcp-host-agent-session': agentSession } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  /** Waits until the gateway has projected the session (an initialize with it is let through). */
  const projected = (id: string) =>
    waitFor(async () => (await mcpPost(initialize, { 'mcp-host-agent-session': id })).status === 200, {
      timeoutMs: 30_000,
      what: `agent session ${id} to be projected`,
    });

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_agent_sessions'), startTestKafka()]);
    upstream = await startSessionServer();
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-agent-session-'));
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
    const [one, two] = await Promise.all([createToken('agent-one'), createToken('agent-two')]);
    [token, tokenId, otherToken] = [one.token, one.id, two.token];
    await publishTestEvent(kafka.brokers, 'grant.created', {
      id: grantId,
      server_id: serverId,
      subject: `token:${tokenId}`,
      allow_tools: ['echo', 'hold'],
      deny_tools: [],
      version: 1,
      created_by: 'admin@example.com',
      created_at: new Date().toISOString(),
    });
    for (const [id, version] of [
      [serverId, 2],
      [otherServerId, 3],
    ] as const) {
      await publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
        server_id: id,
        from_status: null,
        to_status: 'running',
        reason: null,
        version,
        changed_at: new Date().toISOString(),
        endpoint: upstream.url,
      });
    }
    await waitFor(async () => (await mcpPost(initialize, {})).status === 200, {
      timeoutMs: 30_000,
      what: 'the MCP server to be reachable through the gateway',
    });
  });

  afterAll(async () => {
    upstream?.release();
    // A client whose session the gateway refused may never settle its close; do not let it hold the teardown.
    const settled = (p: Promise<unknown>) =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
    await Promise.all(clients.map((c) => settled(c.close())));
    await gateway?.close();
    await upstream?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when the SDK client presents a live agent session, then it lists and calls tools and the server never sees the session header', async () => {
    const s = session();
    await publishSession(s);
    await projected(s.id);
    const before = upstream.seen.length;
    const client = await connect(s.id);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'hold']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'as an agent' } });
    expect(result.content).toEqual([{ type: 'text', text: 'as an agent' }]);
    await client.close();
    const received = upstream.seen.slice(before);
    expect(received.length).toBeGreaterThanOrEqual(3);
    for (const h of received) {
      expect(h['mcp-host-agent-session']).toBeUndefined();
      expect(h.authorization).toBeUndefined();
    }
  });

  it('when a session is revoked mid-stream, then its open streams end and every request is refused within 5 s; unrevoked, it works again', async () => {
    const s = session();
    await publishSession(s);
    await projected(s.id);
    const client = await connect(s.id);
    expect((await client.callTool({ name: 'echo', arguments: { text: 'before' } })).isError).toBeFalsy();

    // A tools/call whose answer is still streaming when the session is revoked.
    const sid = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const inFlight = await mcpPost(
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hold', arguments: {} } },
      { 'mcp-host-agent-session': s.id, 'mcp-session-id': sid },
    );
    expect(inFlight.status).toBe(200);
    expect(inFlight.headers.get('content-type')).toContain('text/event-stream');
    const streamEnded = (async () => {
      const reader = inFlight.body!.getReader();
      try {
        for (;;) if ((await reader.read()).done) return 'ended';
      } catch {
        return 'cut';
      }
    })();
    let ended: string | undefined;
    void streamEnded.then((how) => (ended = how));

    const revokedAt = Date.now();
    await publishSession({ ...s, revoked: true, revoked_at: new Date().toISOString(), version: 2 });
    await waitFor(() => ended !== undefined, { timeoutMs: 5_000, what: 'the open stream to be ended' });
    await waitFor(
      async () => {
        const res = await mcpPost(
          { jsonrpc: '2.0', id: 8, method: 'tools/list', params: {} },
          { 'mcp-host-agent-session': s.id, 'mcp-session-id': sid },
        );
        return res.status === 403 && (await errorCode(res)) === 'AGENT_SESSION_REVOKED';
      },
      {
        timeoutMs: Math.max(1, 5_000 - (Date.now() - revokedAt)),
        what: 'requests in the revoked session to be refused',
      },
    );
    await expect(client.callTool({ name: 'echo', arguments: { text: 'after' } })).rejects.toThrow(
      /AGENT_SESSION_REVOKED/,
    );
    upstream.release();

    await publishSession({ ...s, revoked: false, version: 3 });
    await projected(s.id);
    const again = await connect(s.id);
    expect((await again.callTool({ name: 'echo', arguments: { text: 'restored' } })).content).toEqual([
      { type: 'text', text: 'restored' },
    ]);
    // A late redelivery of the revocation (an older version) changes nothing.
    await publishSession({ ...s, revoked: true, revoked_at: new Date().toISOString(), version: 2 });
    await publishSession(session({ server_id: null }));
    expect((await again.callTool({ name: 'echo', arguments: { text: 'still' } })).isError).toBeFalsy();
  });

  it('when a session is unknown, another principal’s, expired or for another server, then the door refuses it with 403', async () => {
    const mine = session();
    const expired = session({ expires_at: new Date(Date.now() - 1_000).toISOString() });
    const elsewhere = session({ server_id: otherServerId });
    await Promise.all([mine, expired, elsewhere].map(publishSession));
    await projected(mine.id);
    const refused = async (id: string, bearer = token, server = serverId) => {
      const res = await fetch(`${base}/mcp/${server}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-host-agent-session': id,
        },
        body: JSON.stringify(initialize),
      });
      expect(res.status).toBe(403);
      return errorCode(res);
    };
    // Published at once, the sessions may land on different partitions: wait for each one's own answer.
    await waitFor(async () => (await refused(elsewhere.id)) === 'AGENT_SESSION_WRONG_SERVER', {
      timeoutMs: 30_000,
      what: 'the session for another server to be projected',
    });
    await waitFor(async () => (await refused(expired.id)) === 'AGENT_SESSION_EXPIRED', {
      timeoutMs: 30_000,
      what: 'the expired session to be projected',
    });
    expect(await refused(randomUUID())).toBe('AGENT_SESSION_UNKNOWN');
    expect(await refused('not-a-uuid')).toBe('AGENT_SESSION_UNKNOWN');
    expect(await refused(mine.id, otherToken)).toBe('AGENT_SESSION_UNKNOWN');
    expect(await refused(expired.id)).toBe('AGENT_SESSION_EXPIRED');
    const ok = await mcpPost(initialize, { 'mcp-host-agent-session': elsewhere.id }, otherServerId);
    expect(ok.status).toBe(200);
  });

  it('when the grant is disabled, then tools/list hides its tools and calls are denied; enabled again, they are back', async () => {
    const s = session({ server_id: null });
    await publishSession(s);
    await projected(s.id);
    const client = await connect(s.id);
    const grant = {
      id: grantId,
      server_id: serverId,
      subject: `token:${tokenId}`,
      allow_tools: ['echo', 'hold'],
      deny_tools: [],
      created_by: 'admin@example.com',
      created_at: new Date().toISOString(),
    };
    await publishTestEvent(kafka.brokers, 'grant.disabled', { ...grant, enabled: false, version: 2 });
    await waitFor(async () => (await client.listTools()).tools.length === 0, {
      timeoutMs: 30_000,
      what: 'the disabled grant to stop applying',
    });
    await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({
      code: -32003,
      data: { rule: 'default:deny' },
    });
    await publishTestEvent(kafka.brokers, 'grant.enabled', { ...grant, enabled: true, version: 3 });
    await waitFor(async () => (await client.listTools()).tools.length === 2, {
      timeoutMs: 30_000,
      what: 'the enabled grant to apply again',
    });
    expect((await client.callTool({ name: 'echo', arguments: { text: 'y' } })).content).toEqual([
      { type: 'text', text: 'y' },
    ]);
  });
});

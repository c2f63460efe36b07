// The MCP door on the gateway: a real MCP server (the SDK's Streamable HTTP transport, with sessions and resumable
// streams) runs on loopback, the runtime event that names its endpoint is published to the broker, and callers
// reach it only through /mcp/:server with MCP Host tokens.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, get as httpGet, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  StreamableHTTPServerTransport,
  type EventId,
  type EventStore,
  type StreamId,
} from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { TOPICS } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { z } from 'zod';
import { GatewayModule } from '../src';

/** A session-based MCP server that records the headers of every request it receives. */
async function startSessionServer(): Promise<{
  url: string;
  seen: IncomingHttpHeaders[];
  close: () => Promise<void>;
}> {
  const seen: IncomingHttpHeaders[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const build = () => {
    const server = new McpServer({ name: 'probe-server', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echoes its text.', inputSchema: { text: z.string() } },
      ({ text }) => ({
        content: [{ type: 'text', text }],
      }),
    );
    server.registerTool('wipe', { description: 'Destroys everything.', inputSchema: {} }, () => ({
      content: [{ type: 'text', text: 'wiped' }],
    }));
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
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
          return;
        }
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          eventStore: new OrderedEventStore(),
          onsessioninitialized: (id) => {
            transports.set(id, created);
          },
        });
        created.onclose = () => {
          if (created.sessionId) transports.delete(created.sessionId);
        };
        await build().connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The JSON-RPC message of an MCP answer, whether the server sent JSON or an SSE stream. */
async function rpcOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  const data = text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter(Boolean);
  return JSON.parse(data[0]);
}

/**
 * The upstream's event store for resumption, in the order events were stored. (The SDK's example store orders event
 * ids as strings of a millisecond clock and a random suffix, so two events of one millisecond can replay in the wrong
 * order, or not at all: a flaky test, not a gateway fault.)
 */
class OrderedEventStore implements EventStore {
  private readonly events: { id: EventId; streamId: StreamId; message: JSONRPCMessage }[] = [];

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}_${this.events.length}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.events.find((e) => e.id === eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    if (at === -1) return '';
    const { streamId } = this.events[at];
    for (const e of this.events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}

describe('the MCP door (/mcp/:server)', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let adminToken: string;
  let operatorToken: string;
  let otherToken: string;
  let viewerToken: string;
  let operatorId: string;
  let otherId: string;
  let audit: EventCollector;
  const denyGrantId = randomUUID();
  let upstream: Awaited<ReturnType<typeof startSessionServer>>;
  const serverId = randomUUID();
  const stoppedId = randomUUID();

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${init.token ?? adminToken}`);
    if (init.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json');
    return fetch(`${base}${path}`, { ...init, headers });
  };

  const createToken = async (role: string, name: string) => {
    const res = await api('/api/tokens', { method: 'POST', body: JSON.stringify({ name, role }) });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; id: string };
  };

  const publishGrant = (id: string, subject: string, allow: string[], deny: string[] = []) =>
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

  /** Opens a session for `token` (initialize), so raw requests can follow in it. */
  const openSession = async (token: string) => {
    const init = await mcpPost(serverId, initialize, token);
    expect(init.status).toBe(200);
    await init.text();
    return init.headers.get('mcp-session-id')!;
  };

  const listedTools = async (token: string) => {
    const sid = await openSession(token);
    const res = await mcpPost(serverId, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }, token, {
      'mcp-session-id': sid,
    });
    const body = (await rpcOf(res)) as { result: { tools: { name: string }[] } };
    return body.result.tools.map((t) => t.name).sort();
  };

  const publishStatus = (id: string, to: string, version: number, endpoint?: string | null) =>
    publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
      server_id: id,
      from_status: null,
      to_status: to,
      reason: null,
      version,
      changed_at: new Date().toISOString(),
      ...(endpoint === undefined ? {} : { endpoint }),
    });

  const mcpPost = (id: string, body: unknown, token: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/mcp/${id}`, {
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

  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };

  const connectClient = async (token: string) => {
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/${serverId}`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    return { client, transport };
  };

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_mcp'), startTestKafka()]);
    upstream = await startSessionServer();
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-mcp-'));
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      LOG_LEVEL: 'warn',
      GATEWAY_ADMIN_TOKEN_FILE: join(dir, 'admin-token'),
    };
    gateway = await createServiceApp(GatewayModule.forRoot({ env }));
    base = await gateway.listen(0, '127.0.0.1');
    adminToken = (await fs.readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const [one, two, viewer] = await Promise.all([
      createToken('operator', 'agent-one'),
      createToken('operator', 'agent-two'),
      createToken('viewer', 'watcher'),
    ]);
    [operatorToken, otherToken, viewerToken] = [one.token, two.token, viewer.token];
    [operatorId, otherId] = [one.id, two.id];
    audit = await collectEvents(kafka.brokers, TOPICS.mcpAudit.name);
    // agent-one may call echo only; agent-two may call everything but wipe.
    await publishGrant(randomUUID(), `token:${operatorId}`, ['echo']);
    await publishGrant(denyGrantId, `token:${otherId}`, ['*'], ['wipe']);
    await publishStatus(stoppedId, 'stopped', 3);
    await publishStatus(serverId, 'running', 2, upstream.url);
    await waitFor(async () => (await mcpPost(serverId, initialize, operatorToken)).status === 200, {
      timeoutMs: 30_000,
      what: 'the MCP server to be reachable through the gateway',
    });
    await waitFor(async () => (await listedTools(otherToken)).length === 1, {
      timeoutMs: 30_000,
      what: 'the grants to be projected',
    });
  });

  afterAll(async () => {
    await audit?.stop();
    await gateway?.close();
    await upstream?.close();
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when a caller has no token, then it gets 401 pointing at the protected-resource metadata, which names the resource', async () => {
    const res = await fetch(`${base}/mcp/${serverId}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`/.well-known/oauth-protected-resource/mcp/${serverId}`);
    const meta = await fetch(`${base}/.well-known/oauth-protected-resource/mcp/${serverId}`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({
      resource: `${base}/mcp/${serverId}`,
      bearer_methods_supported: ['header'],
    });
  });

  it('when a viewer token calls, then it gets 403; an unknown server is 404 and a stopped one 503', async () => {
    expect((await mcpPost(serverId, initialize, viewerToken)).status).toBe(403);
    const unknown = await mcpPost(randomUUID(), initialize, operatorToken);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('MCP_SERVER_NOT_FOUND');
    const stopped = await mcpPost(stoppedId, initialize, operatorToken);
    expect(stopped.status).toBe(503);
    expect(((await stopped.json()) as { error: { code: string } }).error.code).toBe('MCP_SERVER_NOT_RUNNING');
    expect((await mcpPost('not-a-uuid', initialize, operatorToken)).status).toBe(404);
  });

  it('when the SDK client connects through the gateway, then it lists and calls tools and the server never sees the Authorization header', async () => {
    const before = upstream.seen.length;
    const { client, transport } = await connectClient(operatorToken);
    try {
      expect(transport.sessionId).toEqual(expect.any(String));
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'through the door' } });
      expect(result.content).toEqual([{ type: 'text', text: 'through the door' }]);
      await expect(client.callTool({ name: 'wipe', arguments: {} })).rejects.toMatchObject({
        code: -32003,
        data: { reason: 'denied_by_policy', rule: 'default:deny', tool: 'wipe' },
      });
    } finally {
      await client.close();
    }
    const received = upstream.seen.slice(before);
    expect(received.length).toBeGreaterThanOrEqual(3);
    for (const h of received) {
      expect(h.authorization).toBeUndefined();
      expect(h['x-mcp-host-subject']).toBeUndefined();
    }
    expect(received.some((h) => h['mcp-protocol-version'] !== undefined)).toBe(true);
  });

  it('when another principal uses a session id, then it gets 404 and the owner keeps using it; DELETE ends it', async () => {
    const init = await mcpPost(serverId, initialize, operatorToken);
    expect(init.status).toBe(200);
    const sid = init.headers.get('mcp-session-id');
    expect(sid).toEqual(expect.any(String));
    await init.text();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

    const stolen = await mcpPost(serverId, list, otherToken, { 'mcp-session-id': sid! });
    expect(stolen.status).toBe(404);
    expect(((await stolen.json()) as { error: { code: string } }).error.code).toBe('MCP_SESSION_NOT_FOUND');
    const forged = await mcpPost(serverId, list, operatorToken, { 'mcp-session-id': 'no-such-session' });
    expect(forged.status).toBe(404);

    const own = await mcpPost(serverId, list, operatorToken, { 'mcp-session-id': sid! });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('"echo"');

    const otherDelete = await fetch(`${base}/mcp/${serverId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${otherToken}`, 'mcp-session-id': sid! },
    });
    expect(otherDelete.status).toBe(404);
    const ended = await fetch(`${base}/mcp/${serverId}`, {
      method: 'DELETE',
      headers: {
        authorization: `Bearer ${operatorToken}`,
        'mcp-session-id': sid!,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(ended.status).toBe(200);
    const after = await mcpPost(serverId, list, operatorToken, { 'mcp-session-id': sid! });
    expect(after.status).toBe(404);
  });

  it('when a session opens its GET stream, then the answer is an event stream delivered unbuffered', async () => {
    const init = await mcpPost(serverId, initialize, operatorToken);
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    await mcpPost(serverId, { jsonrpc: '2.0', method: 'notifications/initialized' }, operatorToken, {
      'mcp-session-id': sid,
    });
    const controller = new AbortController();
    const stream = await fetch(`${base}/mcp/${serverId}`, {
      headers: {
        authorization: `Bearer ${operatorToken}`,
        accept: 'text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);
  });

  it('when Mcp-Method or Mcp-Name disagree with the body, then 400; when they agree, the request is forwarded', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x' } },
    };
    const wrongMethod = await mcpPost(serverId, call, operatorToken, {
      'mcp-method': 'tools/list',
      'mcp-name': 'echo',
    });
    expect(wrongMethod.status).toBe(400);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe(
      'MCP_HEADER_MISMATCH',
    );
    const wrongName = await mcpPost(serverId, call, operatorToken, {
      'mcp-method': 'tools/call',
      'mcp-name': 'wipe',
    });
    expect(wrongName.status).toBe(400);
    const noName = await mcpPost(serverId, call, operatorToken, { 'mcp-method': 'tools/call' });
    expect(noName.status).toBe(400);
    const init = await mcpPost(serverId, initialize, operatorToken, { 'mcp-method': 'initialize' });
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('probe-server');
    const bad = await fetch(`${base}/mcp/${serverId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it('when an older status event arrives after a newer one, then the endpoint stays; a newer stop makes the server unavailable', async () => {
    await publishStatus(serverId, 'stopped', 1);
    const marker = randomUUID();
    await publishStatus(marker, 'running', 1, upstream.url);
    await waitFor(async () => (await mcpPost(marker, initialize, operatorToken)).status === 200, {
      timeoutMs: 20_000,
      what: 'the marker server to be projected',
    });
    expect((await mcpPost(serverId, initialize, operatorToken)).status).toBe(200);
    await publishStatus(marker, 'error', 2);
    await waitFor(async () => (await mcpPost(marker, initialize, operatorToken)).status === 503, {
      timeoutMs: 20_000,
      what: 'the marker server to be unavailable',
    });
  });

  it('when tools/list and tools/call go through raw JSON-RPC, then the list is filtered by the same rules that deny the call', async () => {
    expect(await listedTools(operatorToken)).toEqual(['echo']);
    expect(await listedTools(otherToken)).toEqual(['echo']);
    const denied = await mcpPost(
      serverId,
      { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'wipe', arguments: {} } },
      otherToken,
    );
    expect(denied.status).toBe(200);
    expect(await rpcOf(denied)).toEqual({
      jsonrpc: '2.0',
      id: 11,
      error: {
        code: -32003,
        message: expect.stringContaining('Denied by policy'),
        data: { reason: 'denied_by_policy', rule: `grant:${denyGrantId}:deny:wipe`, tool: 'wipe' },
      },
    });
    const batch = await mcpPost(
      serverId,
      [
        { jsonrpc: '2.0', id: 12, method: 'tools/list', params: {} },
        { jsonrpc: '2.0', id: 13, method: 'ping' },
      ],
      otherToken,
    );
    expect(batch.status).toBe(400);
  });

  it('when tools are called, then each call publishes an audit event with its decision and rule and a hash of its arguments', async () => {
    const sid = await openSession(otherToken);
    const allowed = await mcpPost(
      serverId,
      {
        jsonrpc: '2.0',
        id: 21,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'secret' } },
      },
      otherToken,
      { 'mcp-session-id': sid },
    );
    expect(allowed.status).toBe(200);
    await allowed.text();
    await mcpPost(
      serverId,
      { jsonrpc: '2.0', id: 22, method: 'tools/call', params: { name: 'wipe', arguments: { all: true } } },
      otherToken,
      { 'mcp-session-id': sid },
    ).then((r) => r.text());
    await waitFor(
      () =>
        audit.events.some((e) => e.payload.token_id === otherId && e.payload.tool === 'wipe') &&
        audit.events.some((e) => e.payload.token_id === otherId && e.payload.tool === 'echo'),
      { timeoutMs: 20_000, what: 'both audit events' },
    );
    const echo = audit.events.find((e) => e.payload.token_id === otherId && e.payload.tool === 'echo');
    expect(echo?.type).toBe('mcp.tool.called');
    expect(echo?.payload).toMatchObject({
      server_id: serverId,
      decision: 'allow',
      rule: `grant:${denyGrantId}:allow:*`,
      upstream_status: 200,
      result: 'forwarded',
      session_id: sid,
      arguments_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(echo?.payload)).not.toContain('secret');
    expect(
      audit.events.find((e) => e.payload.token_id === otherId && e.payload.tool === 'wipe')?.payload,
    ).toMatchObject({
      decision: 'deny',
      rule: `grant:${denyGrantId}:deny:wipe`,
      upstream_status: null,
      result: 'denied',
    });
  });

  it('when a grant is deleted, then its tools leave the list and calls to them are denied', async () => {
    const grantId = randomUUID();
    const probe = randomUUID();
    await publishGrant(grantId, `subject:${probe}`, ['wipe']);
    await publishTestEvent(kafka.brokers, 'grant.deleted', {
      id: denyGrantId,
      server_id: serverId,
      version: 1,
      deleted_by: 'admin@example.com',
      deleted_at: new Date().toISOString(),
    });
    await waitFor(async () => (await listedTools(otherToken)).length === 0, {
      timeoutMs: 20_000,
      what: 'the deleted grant to stop applying',
    });
    const sid = await openSession(otherToken);
    const call = await mcpPost(
      serverId,
      { jsonrpc: '2.0', id: 31, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } },
      otherToken,
      { 'mcp-session-id': sid },
    );
    expect(((await rpcOf(call)) as { error: { data: { rule: string } } }).error.data.rule).toBe(
      'default:deny',
    );
  });

  it('when a client sends x-mcp-host-*, forwarding or cookie headers to the door, then none reaches the MCP server', async () => {
    const before = upstream.seen.length;
    const sid = await openSession(operatorToken);
    await mcpPost(
      serverId,
      { jsonrpc: '2.0', id: 51, method: 'tools/call', params: { name: 'echo', arguments: { text: 'h' } } },
      operatorToken,
      {
        'mcp-session-id': sid,
        'x-mcp-host-internal-token': 'forged',
        'x-mcp-host-role': 'admin',
        forwarded: 'for=10.0.0.1',
        'x-real-ip': '10.0.0.2',
        cookie: 'session=stolen',
        'x-kept': 'yes',
      },
    );
    const received = upstream.seen.slice(before).filter((h) => h['x-kept'] === 'yes');
    expect(received).toHaveLength(1);
    const [h] = received;
    expect(Object.keys(h).filter((k) => k.startsWith('x-mcp-host-'))).toEqual([]);
    expect([h.forwarded, h['x-real-ip'], h.cookie, h.authorization]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('when a client reconnects with Last-Event-ID, then the server replays the events it missed through the gateway', async () => {
    const v = { 'mcp-protocol-version': '2025-11-25' };
    const init = await mcpPost(
      serverId,
      { ...initialize, params: { ...initialize.params, protocolVersion: '2025-11-25' } },
      operatorToken,
      v,
    );
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    const call = await mcpPost(
      serverId,
      {
        jsonrpc: '2.0',
        id: 41,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'missed me' } },
      },
      operatorToken,
      { ...v, 'mcp-session-id': sid },
    );
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const ids = (await call.text())
      .split(/\r?\n/)
      .filter((l) => l.startsWith('id:'))
      .map((l) => l.slice(3).trim());
    expect(ids.length).toBeGreaterThanOrEqual(2);

    // Resume after the first event (the stream's priming event): the answer comes again on the GET stream.
    const seen = await new Promise<string>((resolve, reject) => {
      let text = '';
      const req = httpGet(
        `${base}/mcp/${serverId}`,
        {
          headers: {
            authorization: `Bearer ${operatorToken}`,
            accept: 'text/event-stream',
            'mcp-session-id': sid,
            'last-event-id': ids[0],
            ...v,
          },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (text.includes('missed me')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', (err) => {
        if (!text.includes('missed me')) reject(err);
      });
      setTimeout(() => {
        req.destroy();
        resolve(text);
      }, 10_000).unref();
    });
    expect(seen).toContain('missed me');
    expect(upstream.seen.some((h) => h['last-event-id'] === ids[0])).toBe(true);
  });
});

// The stateless revision (2026-07-28) through /mcp/:server: `server/discover` and the Mcp-Method / Mcp-Name headers
// reach a stateless server unchanged when they match the body, and a mismatch is refused before it is forwarded.
// The server answers with single JSON bodies, so this also covers the tools/list filter on a JSON answer.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
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

interface Seen {
  headers: IncomingHttpHeaders;
  body: { id?: unknown; method?: unknown };
}

/** A stateless server (a fresh SDK server per request, JSON answers) that also answers server/discover. */
async function startStatelessServer(): Promise<{ url: string; seen: Seen[]; http: Server }> {
  const seen: Seen[] = [];
  const http = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Seen['body'];
      seen.push({ headers: { ...req.headers }, body });
      if (body.method === 'server/discover') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: body.id,
            result: {
              supportedVersions: ['2026-07-28'],
              capabilities: { tools: {} },
              serverInfo: { name: 'stateless-probe', version: '1.0.0' },
            },
          }),
        );
        return;
      }
      const server = new McpServer({ name: 'stateless-probe', version: '1.0.0' });
      server.registerTool(
        'echo',
        { description: 'Echo.', inputSchema: { text: z.string() } },
        ({ text }) => ({
          content: [{ type: 'text', text }],
        }),
      );
      server.registerTool('wipe', { description: 'Wipe.', inputSchema: {} }, () => ({
        content: [{ type: 'text', text: 'wiped' }],
      }));
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, seen, http };
}

describe('the stateless revision through /mcp/:server', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let gateway: ServiceApp;
  let base: string;
  let dir: string;
  let token: string;
  let upstream: Awaited<ReturnType<typeof startStatelessServer>>;
  const serverId = randomUUID();

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/mcp/${serverId}`, {
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

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('gateway_mcp_stateless'), startTestKafka()]);
    upstream = await startStatelessServer();
    dir = await fs.mkdtemp(join(tmpdir(), 'gateway-mcp-stateless-'));
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
      body: JSON.stringify({ name: 'stateless-agent', role: 'operator' }),
    });
    const minted = (await created.json()) as { token: string; id: string };
    token = minted.token;
    await publishTestEvent(kafka.brokers, 'grant.created', {
      id: randomUUID(),
      server_id: serverId,
      subject: `token:${minted.id}`,
      allow_tools: ['echo'],
      deny_tools: [],
      version: 1,
      created_by: 'admin@example.com',
      created_at: new Date().toISOString(),
    });
    await publishTestEvent(kafka.brokers, 'runtime.server.status_changed', {
      server_id: serverId,
      from_status: 'deploying',
      to_status: 'running',
      reason: null,
      version: 1,
      changed_at: new Date().toISOString(),
      endpoint: upstream.url,
    });
    await waitFor(
      async () => {
        const res = await post({ jsonrpc: '2.0', id: 0, method: 'tools/list', params: {} });
        if (res.status !== 200) return false;
        const body = (await res.json()) as { result: { tools: unknown[] } };
        return body.result.tools.length === 1;
      },
      { timeoutMs: 30_000, what: 'the server and its grant to be projected' },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    upstream?.http.closeAllConnections();
    await new Promise<void>((resolve) => (upstream ? upstream.http.close(() => resolve()) : resolve()));
    await kafka?.stop();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('when server/discover is sent with its headers, then the server gets them unchanged and its answer comes back', async () => {
    const res = await post(
      { jsonrpc: '2.0', id: 'd1', method: 'server/discover', params: {} },
      { 'mcp-method': 'server/discover', 'mcp-protocol-version': '2026-07-28' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'd1', result: { supportedVersions: ['2026-07-28'] } });
    const got = upstream.seen.find((s) => s.body.id === 'd1');
    expect(got?.headers).toMatchObject({
      'mcp-method': 'server/discover',
      'mcp-protocol-version': '2026-07-28',
    });
    expect(got?.headers.authorization).toBeUndefined();
  });

  it('when tools/list and tools/call carry matching headers, then the JSON list is filtered and the granted call answered', async () => {
    const list = await post(
      { jsonrpc: '2.0', id: 'l1', method: 'tools/list', params: {} },
      { 'mcp-method': 'tools/list' },
    );
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('application/json');
    const tools = ((await list.json()) as { result: { tools: { name: string }[] } }).result.tools;
    expect(tools.map((t) => t.name)).toEqual(['echo']);

    const call = await post(
      { jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } },
      { 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
    );
    expect(call.status).toBe(200);
    expect(await call.json()).toMatchObject({
      id: 'c1',
      result: { content: [{ type: 'text', text: 'hi' }] },
    });
    expect(upstream.seen.find((s) => s.body.id === 'c1')?.headers).toMatchObject({
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
    });
  });

  it('when the headers disagree with the body, then 400 and the server never sees the request', async () => {
    const wrong = await post(
      { jsonrpc: '2.0', id: 'x1', method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' } } },
      { 'mcp-method': 'tools/call', 'mcp-name': 'wipe' },
    );
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('MCP_HEADER_MISMATCH');
    // A later request reaches the server, so an earlier forwarded one would have been seen by now.
    const marker = await post({ jsonrpc: '2.0', id: 'm1', method: 'ping' }, { 'mcp-method': 'ping' });
    expect(marker.status).toBe(200);
    await marker.text();
    expect(upstream.seen.some((s) => s.body.id === 'm1')).toBe(true);
    expect(upstream.seen.some((s) => s.body.id === 'x1')).toBe(false);
  });
});

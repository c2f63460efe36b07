// `mcpctl audit list|watch` against a stub gateway (and a stub SSE stream that drops once), then end to end against
// the built standalone host: tool calls made through its /mcp door are listed by `mcpctl audit list`.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const SHA = 'a3f1c0de9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e';

const entry = (tool: string, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  server_id: ID,
  tool,
  subject: 'agent@example.com',
  token_id: ID2,
  agent_id: null,
  session_id: null,
  agent_session_id: null,
  decision: 'allow',
  rule: 'grant:g1:allow:*',
  result_status: 'ok',
  upstream_status: 200,
  latency_ms: 1.25,
  arguments_sha256: SHA,
  called_at: AT,
  ...extra,
});

describe('mcpctl audit list', () => {
  it('when filters are given, then they use the API names and each call is a row with decision, rule and result', async () => {
    stub.on('GET', '/api/audit', {
      body: {
        items: [
          entry('get_forecast'),
          entry('wipe', {
            decision: 'deny',
            rule: 'drift:wipe',
            result_status: 'denied',
            upstream_status: null,
          }),
        ],
        next_cursor: 'more',
      },
    });

    const result = await cli(
      'audit',
      'list',
      '--server-id',
      ID,
      '--subject',
      'agent@example.com',
      '--tool',
      'wipe',
      '--decision',
      'deny',
      '--result',
      'denied',
      '--limit',
      '2',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({
      server_id: ID,
      subject: 'agent@example.com',
      tool: 'wipe',
      decision: 'deny',
      result_status: 'denied',
      limit: '2',
    });
    expect(result.stdout).toMatch(
      /get_forecast\s*│ agent@example\.com\s*│ allow\s*│ grant:g1:allow:\*\s*│ ok\s*│ 1\.25/,
    );
    expect(result.stdout).toMatch(/wipe\s*│ agent@example\.com\s*│ deny\s*│ drift:wipe\s*│ denied/);
    expect(result.stdout).toContain(SHA.slice(0, 12));
    expect(result.stdout).not.toContain(SHA);
    expect(result.stdout).toContain('More tool calls exist: pass --all to list them.');
  });

  it('when --all and --json are given, then it follows next_cursor and prints every item raw', async () => {
    const first = entry('a');
    const second = entry('b');
    stub.on('GET', '/api/audit', (req) =>
      req.query.get('cursor') === 'page-2'
        ? { body: { items: [second], next_cursor: null } }
        : { body: { items: [first], next_cursor: 'page-2' } },
    );
    const result = await cli('audit', 'list', '--all', '--json');
    expect(result.code).toBe(0);
    expect(stub.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'page-2']);
    expect(JSON.parse(result.stdout)).toEqual({ items: [first, second], next_cursor: null });
  });

  it('when nothing is recorded, then it says so', async () => {
    stub.on('GET', '/api/audit', { body: { items: [], next_cursor: null } });
    const result = await cli('audit', 'list');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No tool calls recorded.');
  });

  it('when the decision is not allow or deny, then it exits without calling the API', async () => {
    const result = await cli('audit', 'list', '--decision', 'maybe');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('maybe');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the token lacks the operator role, then the 403 message is passed through with exit 1', async () => {
    stub.on('GET', '/api/audit', {
      status: 403,
      body: {
        error: {
          code: 'FORBIDDEN',
          message: 'GET /api/audit needs the operator role; this token has viewer.',
        },
      },
    });
    const result = await cli('audit', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: GET /api/audit needs the operator role; this token has viewer. (FORBIDDEN)\n',
    );
  });
});

describe('mcpctl audit watch', () => {
  let http: HttpServer;
  let url = '';
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const call = (tool: string, decision: string, rule: string) => ({
    call_id: randomUUID(),
    server_id: ID,
    tool,
    subject: 'agent@example.com',
    token_id: ID2,
    session_id: null,
    decision,
    rule,
    arguments_sha256: SHA,
    upstream_status: decision === 'allow' ? 200 : null,
    result: decision === 'allow' ? 'forwarded' : 'denied',
    result_status: decision === 'allow' ? 'ok' : 'denied',
    latency_ms: 2,
    called_at: AT,
  });
  const frame = (id: string, data: unknown) =>
    `id: ${id}\nevent: mcp.tool.called\ndata: ${JSON.stringify(data)}\n\n`;

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write(': heartbeat\n\n');
        res.end(frame('c1', call('get_forecast', 'allow', 'grant:g1:allow:*')));
      } else {
        res.write(frame('c2', call('wipe', 'deny', 'drift:wipe')));
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('when the stream drops, then watch resumes with Last-Event-ID and prints each call once', async () => {
    const result = await runCli([
      'audit',
      'watch',
      '--server-id',
      ID,
      '--count',
      '2',
      '--url',
      url,
      '--token',
      TOKEN,
    ]);
    expect(result.code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual([
      `/api/audit/stream?server_id=${ID}`,
      `/api/audit/stream?server_id=${ID}`,
    ]);
    expect(seen[1].headers['last-event-id']).toBe('c1');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${AT} ${ID} get_forecast agent@example.com allow grant:g1:allow:* ok 2ms`,
      `${AT} ${ID} wipe agent@example.com deny drift:wipe denied 2ms`,
    ]);
  });
});

/** A minimal MCP server answering tools/call with one JSON body, as a running server would behind the gateway. */
async function startJsonRpcServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: number;
        params: { name: string };
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: msg.id,
          result: { content: [{ type: 'text', text: `called ${msg.params.name}` }] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

describe('mcpctl audit against the standalone host', () => {
  let host: StandaloneHost;
  let mcp: Awaited<ReturnType<typeof startJsonRpcServer>>;
  const serverId = randomUUID();
  let tokenId = '';

  const callTool = (name: string, args: Record<string, unknown>) =>
    fetch(`${host.url}/mcp/${serverId}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${host.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    });

  beforeAll(async () => {
    mcp = await startJsonRpcServer();
    host = await startStandaloneHost('audit-e2e');
    const me = await host.mcpctl('whoami', '--json');
    tokenId = (JSON.parse(me.stdout) as { id: string }).id;
    await host.publish('grant.created', {
      id: randomUUID(),
      server_id: serverId,
      subject: `token:${tokenId}`,
      allow_tools: ['get_forecast'],
      deny_tools: [],
      version: 1,
      created_by: 'admin@example.com',
      created_at: new Date().toISOString(),
    });
    await host.publish('runtime.server.status_changed', {
      server_id: serverId,
      from_status: null,
      to_status: 'running',
      reason: null,
      version: 1,
      changed_at: new Date().toISOString(),
      endpoint: mcp.url,
    });
    await waitFor(
      async () => {
        const res = await callTool('get_forecast', { city: 'Lyon' });
        const text = await res.text();
        return res.status === 200 && text.includes('called get_forecast');
      },
      { timeoutMs: 60_000, what: 'the server and its grant to reach the gateway' },
    );
  }, 300_000);

  afterAll(async () => {
    await host?.stop();
    await mcp?.close();
  });

  it('when tools are called through the door, then audit list shows the allowed and the denied call', async () => {
    const denied = await callTool('wipe', { all: true });
    expect(await denied.text()).toContain('denied_by_policy');
    await waitFor(
      async () => {
        const r = await host.mcpctl('audit', 'list', '--server-id', serverId, '--json');
        const items = (JSON.parse(r.stdout) as { items: { tool: string }[] }).items;
        return items.some((i) => i.tool === 'wipe') && items.some((i) => i.tool === 'get_forecast');
      },
      { timeoutMs: 30_000, what: 'both calls to be listed' },
    );
    const denials = await host.mcpctl(
      'audit',
      'list',
      '--server-id',
      serverId,
      '--decision',
      'deny',
      '--json',
    );
    expect(denials.code).toBe(0);
    const items = (JSON.parse(denials.stdout) as { items: Record<string, unknown>[] }).items;
    expect(items).toEqual([
      expect.objectContaining({
        tool: 'wipe',
        token_id: tokenId,
        decision: 'deny',
        rule: 'default:deny',
        result_status: 'denied',
        arguments_sha256: createHash('sha256')
          .update(JSON.stringify({ all: true }))
          .digest('hex'),
      }),
    ]);
    const table = await host.mcpctl('audit', 'list', '--server-id', serverId, '--tool', 'get_forecast');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/get_forecast\s*│ \S+\s*│ allow\s*│ grant:\S+:allow:get_forecast\s*│ ok/);
  });
});

// `mcpctl servers tools ID` against a stub gateway, and `mcpctl servers discover URL` against a real MCP server over
// Streamable HTTP (the SDK's own server, in process): the manifest it prints is the one the platform records.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildManifest, type ListedTool } from '@mcp-host/contracts';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AT, ID, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const RUN = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const H = (c: string) => c.repeat(64);

describe('mcpctl servers tools', () => {
  it('when the server drifted, then the manifest, the changes and the blocked tools are printed', async () => {
    stub.on('GET', `/api/servers/${ID}/tools`, {
      body: {
        server_id: ID,
        artifact_run_id: RUN,
        endpoint: 'http://127.0.0.1:41000/mcp',
        digest: `sha256:${H('a')}`,
        tools: [
          {
            name: 'get_forecast',
            description_sha256: H('b'),
            input_schema_sha256: H('c'),
            annotations: { readOnlyHint: true },
            blocked: true,
          },
          {
            name: 'echo',
            description_sha256: H('d'),
            input_schema_sha256: H('e'),
            annotations: null,
            blocked: false,
          },
        ],
        certified_digest: `sha256:${H('f')}`,
        drifted: true,
        changed: [{ tool: 'get_forecast', change: 'description' }],
        discovered_at: AT,
        refreshed_at: AT,
      },
    });

    const result = await runCli(['servers', 'tools', ID, '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('yes: get_forecast (description)');
    expect(
      result.stdout.split('\n').find((l) => l.includes('get_forecast') && l.includes(H('b').slice(0, 16))),
    ).toMatch(/readOnlyHint.*yes/);
    expect(result.stdout.split('\n').find((l) => l.includes('│ echo'))).toMatch(/\bno\b/);
  });

  it('when the server is unknown, then the API error is shown and the exit code is 1', async () => {
    stub.on('GET', `/api/servers/${ID}/tools`, {
      status: 404,
      body: {
        error: { code: 'TOOLS_NOT_DISCOVERED', message: `No tools have been discovered on server ${ID}.` },
      },
    });

    const result = await runCli(['servers', 'tools', ID, '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No tools have been discovered');
  });
});

const TOOLS: ListedTool[] = [
  {
    name: 'get_forecast',
    description: 'Forecast for a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'echo',
    description: 'Echo',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  },
];

/** A stateless SDK server: a fresh Server and transport per POST, listing TOOLS. */
async function startMcpServer(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const http: HttpServer = createServer((req, res) => {
    seen.push(`${req.method} ${String(req.headers.authorization ?? '')}`);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = new Server({ name: 'weather', version: '1.2.3' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS as never }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    seen,
    close: () => {
      http.closeAllConnections();
      return new Promise((done) => http.close(() => done()));
    },
  };
}

describe('mcpctl servers discover', () => {
  it('when pointed at an MCP server, then it prints the manifest the platform would record, without a token', async () => {
    const server = await startMcpServer();
    try {
      const expected = buildManifest(TOOLS);

      const json = await runCli(['servers', 'discover', server.url, '--json']);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ endpoint: server.url, server: 'weather 1.2.3', ...expected });

      const table = await runCli(['servers', 'discover', server.url]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(expected.digest);
      expect(table.stdout).toContain(expected.tools[0].description_sha256.slice(0, 16));
      // mcpctl's own token is never sent to a server it only inspects.
      expect(server.seen.every((s) => s.endsWith(' '))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('when the URL is not an MCP server or not a URL, then a clear error and exit 1', async () => {
    const notUrl = await runCli(['servers', 'discover', 'weather']);
    expect(notUrl.code).toBe(1);
    expect(notUrl.stderr).toContain('is not a URL');

    const file = await runCli(['servers', 'discover', 'file:///etc/passwd']);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain('must start with http:// or https://');

    const notMcp = await runCli(['servers', 'discover', `${stub.url}/nothing`, '--timeout', '2000']);
    expect(notMcp.code).toBe(1);
    expect(notMcp.stderr).toContain('did not answer as an MCP server');
  });
});

// `mcpctl servers discover URL` and `mcpctl servers tools ID` end to end against the built standalone host. The policy
// engine records a server's tool manifest only for a server its own orchestrator launched (its tool watcher reads the
// endpoint from the runtime assignment, not from events), so the server is started through the gateway on a Docker
// executor pointed at an engine stand-in whose container publishes the MCP server this test runs. Launch, health
// check, `running`, discovery and refresh are the host's own.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { buildManifest, type ListedTool, type ToolManifest } from '@mcp-host/contracts';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startDockerStandIn, type DockerStandIn } from './docker-stand-in';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';
import { runCli } from './stub-server';

jest.setTimeout(300_000);

const IMAGE = 'localhost/mcp-host/stand-in:test';

const FORECAST: ListedTool = {
  name: 'get_forecast',
  description: 'Forecast for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  annotations: { readOnlyHint: true },
};
const ECHO: ListedTool = {
  name: 'echo',
  description: 'Echo',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
};
const ALERTS: ListedTool = {
  name: 'get_alerts',
  description: 'Weather alerts for a region',
  inputSchema: { type: 'object', properties: { region: { type: 'string' } }, required: ['region'] },
  annotations: { readOnlyHint: true, openWorldHint: true },
};

/** A stateless SDK server listing whatever `tools` holds at the time of each request. */
async function startMcpServer(): Promise<{
  port: number;
  url: string;
  tools: ListedTool[];
  close(): Promise<void>;
}> {
  const tools: ListedTool[] = [FORECAST, ECHO];
  const http: HttpServer = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = new Server({ name: 'weather', version: '1.2.3' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...tools] as never }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    tools,
    close: () => {
      http.closeAllConnections();
      return new Promise((done) => http.close(() => done()));
    },
  };
}

interface ServerTools extends ToolManifest {
  server_id: string;
  artifact_run_id: string | null;
  endpoint: string;
  tools: (ToolManifest['tools'][number] & { blocked: boolean })[];
  certified_digest: string | null;
  drifted: boolean;
  changed: unknown[];
  discovered_at: string;
  refreshed_at: string;
}

let mcp: Awaited<ReturnType<typeof startMcpServer>>;
let engine: DockerStandIn;
let host: StandaloneHost;
const suffix = randomBytes(4).toString('hex');

beforeAll(async () => {
  mcp = await startMcpServer();
  engine = await startDockerStandIn(mcp.port);
  host = await startStandaloneHost('server-tools-e2e', {
    DOCKER_HOST: engine.url,
    RUNTIME_DEFAULT_IMAGES: `*=${IMAGE}`,
    // A short refresh so a change of the server's tools is seen within the test (the default is a minute).
    TOOLS_REFRESH_INTERVAL_SECONDS: '2',
  });
});

afterAll(async () => {
  await host?.stop();
  await engine?.close();
  await mcp?.close();
});

async function register(name: string): Promise<string> {
  const r = await host.mcpctl(
    'servers',
    'register',
    name,
    '--type',
    'Router',
    '--owner',
    `team-${suffix}`,
    '--json',
  );
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

/** `servers discover` needs no gateway and no token: only the URL. */
async function discover(): Promise<ToolManifest & { endpoint: string; server: string }> {
  const r = await runCli(['servers', 'discover', mcp.url, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ToolManifest & { endpoint: string; server: string };
}

describe('mcpctl servers discover and servers tools against the standalone host', () => {
  let serverId = '';

  it('when pointed at a running MCP server, then servers discover prints its manifest hashed as the platform hashes it', async () => {
    const expected = buildManifest([FORECAST, ECHO]);

    expect(await discover()).toEqual({ endpoint: mcp.url, server: 'weather 1.2.3', ...expected });
    const table = await runCli(['servers', 'discover', mcp.url]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`digest\\s*│ ${expected.digest}`));
    expect(table.stdout).toMatch(/tools\s*│ 2\b/);
    expect(table.stdout.split('\n').find((l) => l.includes('get_forecast'))).toContain('readOnlyHint');
  });

  it('when a registered server has never run, then servers tools says nothing was discovered and exits 1', async () => {
    serverId = await register(`tools-${suffix}`);

    const r = await host.mcpctl('servers', 'tools', serverId);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`No tools discovered for server ${serverId}`);
    expect(r.stderr).toContain('(TOOLS_NOT_DISCOVERED)');
  });

  it('when the server is started through the gateway and reaches running, then servers tools shows the manifest the policy engine discovered, equal to servers discover', async () => {
    expect(serverId).not.toBe('');
    const started = await host.mcpctl('servers', 'start', serverId, '--json');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      decision: { executor_name: 'docker-local', image: IMAGE },
    });

    // The orchestrator launches on the engine, checks MCP health, moves the server to running; the watcher then lists.
    const recorded = await waitFor(
      async () => {
        const r = await host.mcpctl('servers', 'tools', serverId, '--json');
        return r.code === 0 ? (JSON.parse(r.stdout) as ServerTools) : undefined;
      },
      { timeoutMs: 60_000, what: 'the policy engine to record the tool manifest' },
    );
    expect(engine.containers()).toEqual([
      expect.objectContaining({
        image: IMAGE,
        running: true,
        labels: expect.objectContaining({ 'org.mcp-host.server-id': serverId }) as unknown,
      }),
    ]);
    const seen = await discover();
    expect(recorded).toEqual({
      server_id: serverId,
      artifact_run_id: null,
      endpoint: mcp.url,
      digest: seen.digest,
      tools: seen.tools.map((t) => ({ ...t, blocked: false })),
      certified_digest: null,
      drifted: false,
      changed: [],
      discovered_at: expect.any(String) as unknown,
      refreshed_at: expect.any(String) as unknown,
    });

    const table = await host.mcpctl('servers', 'tools', serverId);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`endpoint\\s*│ ${mcp.url}`));
    expect(table.stdout).toMatch(new RegExp(`digest\\s*│ ${seen.digest}`));
    expect(table.stdout).toContain('none (no conformance certification)');
    expect(table.stdout).toMatch(/drifted\s*│ no/);
    const row = table.stdout.split('\n').find((l) => l.includes('get_forecast')) ?? '';
    expect(row).toContain(seen.tools.find((t) => t.name === 'get_forecast')?.description_sha256.slice(0, 16));
    expect(row).toMatch(/readOnlyHint\s*│ no/);
  });

  it('when the running server lists another tool, then a refresh records the new manifest, and servers tools and discover agree again', async () => {
    const before = JSON.parse(
      (await host.mcpctl('servers', 'tools', serverId, '--json')).stdout,
    ) as ServerTools;
    mcp.tools.push(ALERTS);
    const expected = buildManifest([FORECAST, ECHO, ALERTS]);
    expect(expected.digest).not.toBe(before.digest);

    const refreshed = await waitFor(
      async () => {
        const r = await host.mcpctl('servers', 'tools', serverId, '--json');
        const t = JSON.parse(r.stdout) as ServerTools;
        return t.digest === before.digest ? undefined : t;
      },
      { timeoutMs: 30_000, what: 'the refreshed manifest' },
    );

    expect(refreshed.digest).toBe(expected.digest);
    expect((await discover()).digest).toBe(expected.digest);
    expect(refreshed.tools.map((t) => t.name).sort()).toEqual(['echo', 'get_alerts', 'get_forecast']);
    expect(Date.parse(refreshed.discovered_at)).toBeGreaterThan(Date.parse(before.discovered_at));
    const row = (await host.mcpctl('servers', 'tools', serverId)).stdout
      .split('\n')
      .find((l) => l.includes('get_alerts'));
    expect(row).toMatch(/readOnlyHint, openWorldHint\s*│ no/);
  });
});

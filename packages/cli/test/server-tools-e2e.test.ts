// `mcpctl servers discover URL` and `mcpctl servers tools ID` end to end against the built standalone host with its
// own container engine (Podman's API socket and a registry under its data dir). The policy engine records a server's
// tool manifest only for a server its own orchestrator launched (its tool watcher reads the endpoint from the runtime
// assignment, not from events), so the test builds a small MCP server image on the host's engine, pushes it to the
// host's registry, announces it as the server's artifact (as the build-service would) and starts the server through
// the gateway. Pull by digest, launch, health check, `running`, discovery and refresh are the host's own.
import { randomBytes, randomUUID } from 'node:crypto';
import { buildManifest, type ListedTool, type ToolManifest } from '@mcp-host/contracts';
import { buildMcpServerImage, type PushedImage } from './mcp-server-image';
import { startStandaloneHost, waitFor, type HostEngine, type StandaloneHost } from './standalone-host';
import { runCli } from './stub-server';

jest.setTimeout(180_000);

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

/** What `podman inspect` says of a container, as far as this test reads it. */
interface Inspected {
  ImageName: string;
  State: { Running: boolean };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

let host: StandaloneHost;
let engine: HostEngine;
let image: PushedImage;
const suffix = randomBytes(4).toString('hex');

beforeAll(async () => {
  host = await startStandaloneHost(
    'server-tools-e2e',
    // A short refresh so a change of the server's tools is seen within the test (the default is a minute).
    { TOOLS_REFRESH_INTERVAL_SECONDS: '2' },
    { localEngine: true },
  );
  engine = host.engine as HostEngine;
  image = buildMcpServerImage(engine, `tools-e2e-${suffix}`, {
    info: { name: 'weather', version: '1.2.3' },
    tools: [FORECAST, ECHO],
  });
});

afterAll(async () => {
  // The host stops its engine and removes the containers its runtime launched.
  await host?.stop();
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

/** Announces the pushed image as the server's build, as the build-service does; returns the artifact id. */
async function recordArtifact(serverId: string): Promise<string> {
  const id = randomUUID();
  const at = new Date().toISOString();
  await host.publish('artifact.recorded', {
    id,
    server_id: serverId,
    build_id: null,
    source_repo: 'https://example.test/weather.git',
    source_branch: 'main',
    source_revision: null,
    local_image: `localhost/mcp-host/tools-e2e-${suffix}:test`,
    registry_image: image.registryImage,
    manifest_tag: 'v1',
    manifest_digest: image.digest,
    started_at: at,
    completed_at: at,
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'healthy',
    status: 'succeeded',
    platforms: [],
  });
  // The policy engine projects the event; until then a start would find no image to run.
  await waitFor(
    async () => {
      const res = await fetch(`${host.url}/api/servers/${serverId}/config`, {
        headers: { authorization: `Bearer ${host.token}` },
      });
      return res.ok && ((await res.json()) as { image_source: string | null }).image_source === 'artifact';
    },
    { timeoutMs: 30_000, what: 'the artifact projection' },
  );
  return id;
}

/** The server's containers on the host's engine. */
function containersOf(serverId: string): Inspected[] {
  const ids = engine
    .podman(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=org.mcp-host.server-id=${serverId}`])
    .split('\n')
    .filter(Boolean);
  return ids.length ? (JSON.parse(engine.podman(['inspect', ...ids])) as Inspected[]) : [];
}

/** `servers discover` needs no gateway and no token: only the URL. */
async function discover(url: string): Promise<ToolManifest & { endpoint: string; server: string }> {
  const r = await runCli(['servers', 'discover', url, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ToolManifest & { endpoint: string; server: string };
}

describe('mcpctl servers discover and servers tools against the standalone host and its engine', () => {
  let serverId = '';
  let artifactId = '';
  let endpoint = '';

  it('when a registered server has never run, then servers tools says nothing was discovered and exits 1', async () => {
    serverId = await register(`tools-${suffix}`);

    const r = await host.mcpctl('servers', 'tools', serverId);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`No tools discovered for server ${serverId}`);
    expect(r.stderr).toContain('(TOOLS_NOT_DISCOVERED)');
  });

  it("when the server is started through the gateway and reaches running, then it runs as a container of its artifact's image and servers tools shows the manifest the policy engine discovered, equal to servers discover", async () => {
    expect(serverId).not.toBe('');
    artifactId = await recordArtifact(serverId);
    const byDigest = `${image.repository}@${image.digest}`;

    const started = await host.mcpctl('servers', 'start', serverId, '--json');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      decision: { executor_name: 'docker-local', image: byDigest },
    });

    // The orchestrator pulls and launches on the engine, checks MCP health, moves the server to running; the watcher
    // then lists.
    const recorded = await waitFor(
      async () => {
        const r = await host.mcpctl('servers', 'tools', serverId, '--json');
        return r.code === 0 ? (JSON.parse(r.stdout) as ServerTools) : undefined;
      },
      { timeoutMs: 90_000, what: 'the policy engine to record the tool manifest' },
    );
    const get = await host.mcpctl('servers', 'get', serverId, '--json');
    expect((JSON.parse(get.stdout) as { status: string }).status).toBe('running');
    const containers = containersOf(serverId);
    expect(containers).toHaveLength(1);
    const [container] = containers;
    expect(container.ImageName).toBe(byDigest);
    expect(container.State.Running).toBe(true);
    // The MCP port is published on loopback only; that is the endpoint the watcher listed.
    const binding = container.NetworkSettings.Ports['8080/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    endpoint = `http://127.0.0.1:${binding?.HostPort}/mcp`;
    const seen = await discover(endpoint);
    expect(recorded).toEqual({
      server_id: serverId,
      artifact_run_id: artifactId,
      endpoint,
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
    expect(table.stdout).toMatch(new RegExp(`endpoint\\s*│ ${endpoint}`));
    expect(table.stdout).toMatch(new RegExp(`digest\\s*│ ${seen.digest}`));
    expect(table.stdout).toContain('none (no conformance certification)');
    expect(table.stdout).toMatch(/drifted\s*│ no/);
    const row = table.stdout.split('\n').find((l) => l.includes('get_forecast')) ?? '';
    expect(row).toContain(seen.tools.find((t) => t.name === 'get_forecast')?.description_sha256.slice(0, 16));
    expect(row).toMatch(/readOnlyHint\s*│ no/);
  });

  it("when pointed at the running server's endpoint, then servers discover prints its manifest hashed as the platform hashes it", async () => {
    expect(endpoint).not.toBe('');
    const expected = buildManifest([FORECAST, ECHO]);

    expect(await discover(endpoint)).toEqual({ endpoint, server: 'weather 1.2.3', ...expected });
    const table = await runCli(['servers', 'discover', endpoint]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`digest\\s*│ ${expected.digest}`));
    expect(table.stdout).toMatch(/tools\s*│ 2\b/);
    expect(table.stdout.split('\n').find((l) => l.includes('get_forecast'))).toContain('readOnlyHint');
  });

  it('when the running server lists another tool, then a refresh records the new manifest, and servers tools and discover agree again', async () => {
    expect(endpoint).not.toBe('');
    const before = JSON.parse(
      (await host.mcpctl('servers', 'tools', serverId, '--json')).stdout,
    ) as ServerTools;
    const expected = buildManifest([FORECAST, ECHO, ALERTS]);
    expect(expected.digest).not.toBe(before.digest);

    // The same container, told to list one more tool: no relaunch, so only the periodic refresh can see it.
    const told = await fetch(new URL('/control/tools', endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([FORECAST, ECHO, ALERTS]),
    });
    expect(told.status).toBe(204);

    const refreshed = await waitFor(
      async () => {
        const r = await host.mcpctl('servers', 'tools', serverId, '--json');
        const t = JSON.parse(r.stdout) as ServerTools;
        return t.digest === before.digest ? undefined : t;
      },
      { timeoutMs: 30_000, what: 'the refreshed manifest' },
    );

    expect(refreshed.digest).toBe(expected.digest);
    expect(refreshed.endpoint).toBe(endpoint);
    expect((await discover(endpoint)).digest).toBe(expected.digest);
    expect(refreshed.tools.map((t) => t.name).sort()).toEqual(['echo', 'get_alerts', 'get_forecast']);
    expect(Date.parse(refreshed.discovered_at)).toBeGreaterThan(Date.parse(before.discovered_at));
    const row = (await host.mcpctl('servers', 'tools', serverId)).stdout
      .split('\n')
      .find((l) => l.includes('get_alerts'));
    expect(row).toMatch(/readOnlyHint, openWorldHint\s*│ no/);
  });
});

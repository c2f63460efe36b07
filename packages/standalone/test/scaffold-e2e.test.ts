// The scaffolding loop end to end on one standalone host with its own engine (Podman's API socket and a
// docker-registry under its data dir, the offline base image imported): `mcpctl scaffold gen-ts` writes a project from
// the server's config, the project is bundled as its README says and committed to a local git repository, the
// build-service clones, builds (FROM the offline base image) and pushes it, the policy engine launches the artifact,
// and the generated stub tools answer `tools/list` through the gateway's MCP door. Nothing is faked: every step goes
// through the services' APIs and the real engine.
//
// A fresh server has no known tools (the config lists tools once calls through the gateway were seen), so gen-ts
// stubs its one example tool, `echo`; that is what the launched server must list. The test then calls the tool
// through the door, and the config lists it from then on.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '@mcp-host/platform/testing';
import { BASE_IMAGE } from '../src/local-engine';
import { cleanEnv, runCli, type CliProcess } from './cli-process';
import { callGateway, type Answer } from './gateway-client';
import { podmanOn } from './host-engine';

jest.setTimeout(240_000);

const MCPCTL = resolve(__dirname, '../../cli/dist/bin.js');
// The SDK and esbuild the generated project needs, already installed for an example: no network in tests.
const EXAMPLE_MODULES = resolve(__dirname, '../../../examples/weather-server/node_modules');

let dir: string;
let dataDir: string;
let host: CliProcess | undefined;
let url = '';
let token = '';
let serverId = '';
let projectDir = '';
let repoDir = '';
let started = false;

/** The fields of a build run (GET /api/builds/:id) this test reads. */
interface Build {
  id: string;
  status: string;
  artifact_run_id: string | null;
  manifest_digest: string | null;
  error: string | null;
}

const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> =>
  callGateway<T>(url, token, method, path, body);

/** Runs the podman CLI on the host's engine storage (the same images and containers its API socket serves). */
const podman = (args: string[]) => podmanOn(dataDir, args);

/** Processes whose command line names the data dir: the host's Podman service, conmon, the registry. */
function processesOf(root: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(root)) out.push(`${pid}: ${cmd}`);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** One JSON-RPC message through the gateway's MCP door; the generated server answers with JSON. */
async function mcp(
  message: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/mcp/${serverId}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

async function stopHost(): Promise<void> {
  if (host && host.child.exitCode === null && host.child.signalCode === null) {
    host.child.kill('SIGINT');
    await host.exited;
  }
  // The host stops its Podman service, not the containers its runtime launched (conmon keeps them running).
  if (dataDir && existsSync(join(dataDir, 'engine', 'storage')))
    podman(['rm', '--all', '--force', '--time', '0']);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'mcp-host-scaffold-e2e-'));
  dataDir = join(dir, 'data');
  const env = cleanEnv();
  // The host's own engine and registry, not one from the caller's environment.
  for (const k of ['MCP_HOST_LOCAL_ENGINE', 'DOCKER_HOST', 'REGISTRY_URL']) delete env[k];
  host = runCli(['start', '--data-dir', dataDir, '--port', '0'], env);
  [, url] = await host.waitForOutput(/gateway\s+(http:\/\/\S+)/, 180_000);
  token = (await fs.readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  await waitFor(async () => (await api<{ status: string }>('GET', '/api/status')).body.status === 'ready', {
    timeoutMs: 60_000,
    what: 'every service ready',
  });
});

afterAll(async () => {
  if (started && host?.child.exitCode === null) await api('POST', `/api/servers/${serverId}/stop`, {});
  await stopHost();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a gen-ts project built by the build-service and launched by the runtime on the standalone host', () => {
  it('when the host starts with its local engine, then it names the engine and registry under its data dir and has the offline base image', () => {
    const out = host?.stdout() ?? '';
    const socket = `unix://${join(dataDir, 'engine', 'podman.sock')}`;
    expect(/^\s*engine\s+(\S+)$/m.exec(out)?.[1]).toBe(socket);
    expect(out).toMatch(/^\s*registry\s+127\.0\.0\.1:\d+$/m);
    expect(podman(['image', 'exists', BASE_IMAGE]).status).toBe(0);
  });

  it('when gen-ts runs against a fresh server, then the project stubs the example tool on the base image the host imported', async () => {
    const created = await api<{ id: string }>('POST', '/api/servers', {
      name: `scaffolded-${Date.now().toString(36)}`,
      server_type: 'node',
    });
    expect(created.status).toBe(201);
    serverId = created.body.id;
    const config = await api<{ tools: string[] | null; image: string | null }>(
      'GET',
      `/api/servers/${serverId}/config`,
    );
    expect(config.body).toMatchObject({ tools: null, image: null });

    projectDir = join(dir, 'project');
    const gen = spawnSync(
      process.execPath,
      [MCPCTL, 'scaffold', 'gen-ts', serverId, '--output', projectDir, '--url', url, '--token', token],
      { encoding: 'utf8' },
    );
    expect({ code: gen.status, stderr: gen.stderr }).toEqual({ code: 0, stderr: '' });
    const dockerfile = readFileSync(join(projectDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG BASE_IMAGE=${BASE_IMAGE}\nFROM \${BASE_IMAGE}\n`);
    expect(readFileSync(join(projectDir, 'src/server.ts'), 'utf8')).toContain(
      'server.registerTool(\n    "echo"',
    );
    expect(readFileSync(join(projectDir, 'README.md'), 'utf8')).toContain('npm run build');
  });

  it('when the project is bundled, committed and built through the gateway, then the build succeeds from the git commit and the artifact is recorded', async () => {
    expect(serverId).not.toBe('');
    // `npm run build`, offline: the same esbuild command on the example's installed modules.
    const scripts = (
      JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { scripts: { build: string } }
    ).scripts;
    const [bin, ...args] = scripts.build.split(' ');
    expect(bin).toBe('esbuild');
    await fs.symlink(EXAMPLE_MODULES, join(projectDir, 'node_modules'));
    execFileSync(join(EXAMPLE_MODULES, '.bin', bin), args, { cwd: projectDir });
    await fs.unlink(join(projectDir, 'node_modules'));

    // The build-service clones a repository: the project, bundle included, as one commit on main.
    repoDir = projectDir;
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.test', ...a], {
        cwd: repoDir,
        encoding: 'utf8',
      }).trim();
    git('init', '--quiet', '--initial-branch', 'main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'scaffolded');
    const revision = git('rev-parse', 'HEAD');

    const server = await api<{ version: number }>('GET', `/api/servers/${serverId}`);
    const patched = await api('PATCH', `/api/servers/${serverId}`, {
      source_repository: `file://${repoDir}`,
      source_branch: 'main',
      dockerfile_path: 'Dockerfile',
      version: server.body.version,
    });
    expect(patched.status).toBe(200);

    // The build-service knows servers from the policy engine's events: until the update has arrived it answers
    // that the server is unknown or has no source; any other answer is the real one.
    const accepted = await waitFor(
      async () => {
        const r = await api<Build>('POST', `/api/servers/${serverId}/builds`, {});
        // A refusal's `error` is `{ code, message }`; a build run's is null.
        const code = (r.body.error as unknown as { code?: string } | null)?.code;
        return code === 'SERVER_NOT_FOUND' || code === 'NO_BUILD_SOURCE' ? undefined : r;
      },
      { timeoutMs: 30_000, what: 'the build-service to know the server and its source' },
    );
    expect(accepted.status).toBe(202);
    const done = await waitFor(
      async () => {
        const r = await api<Build>('GET', `/api/builds/${accepted.body.id}`);
        return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
      },
      { timeoutMs: 120_000, what: 'the build to finish' },
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      source_kind: 'git',
      source_repository: `file://${repoDir}`,
      source_revision: revision,
      error: null,
      artifact_run_id: expect.any(String),
      manifest_digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    const artifact = await api<{ id: string; status: string }>(
      'GET',
      `/api/artifacts/${done.artifact_run_id}`,
    );
    expect(artifact.body).toMatchObject({ status: 'succeeded' });

    // The policy engine runs the latest artifact: its config names the pushed image by digest.
    const config = await waitFor(
      async () => {
        const r = await api<{ image: string | null; image_source: string | null }>(
          'GET',
          `/api/servers/${serverId}/config`,
        );
        return r.body.image_source === 'artifact' ? r.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the artifact to reach the policy engine' },
    );
    expect(config.image).toMatch(new RegExp(`@${done.manifest_digest}$`));
  });

  it('when the server is started through the gateway, then the decision lets it through and it reaches running', async () => {
    const start = await api<{ status: string; decision: Record<string, unknown> }>(
      'POST',
      `/api/servers/${serverId}/start`,
      {},
    );
    expect(start.status).toBeLessThan(300);
    started = true;
    expect(start.body.status).toBe('starting');
    expect(start.body.decision).toMatchObject({
      server_id: serverId,
      backend: 'docker',
      requires_build: false,
      capabilities_satisfied: true,
      evaluation_required: false,
      governance_required: false,
      image: expect.stringContaining('@sha256:'),
    });
    const running = await waitFor(
      async () => {
        const r = await api<{ status: string }>('GET', `/api/servers/${serverId}`);
        return r.body.status === 'running' || r.body.status === 'error' ? r.body : undefined;
      },
      { timeoutMs: 90_000, what: 'the server to be running' },
    );
    expect(running).toMatchObject({ id: serverId, status: 'running' });

    // What runs is the pushed artifact, and it was built FROM the offline base image: its bottom layer is the
    // imported rootfs, and it carries the base image's label.
    const [container] = JSON.parse(
      podman(['ps', '--format', 'json', '--filter', `label=org.mcp-host.server-id=${serverId}`]).stdout,
    ) as { Image: string; ImageID: string }[];
    expect(container.Image).toBe(start.body.decision.image);
    const [image, base] = JSON.parse(podman(['image', 'inspect', container.ImageID, BASE_IMAGE]).stdout) as {
      RootFS: { Layers: string[] };
      Labels: Record<string, string> | null;
    }[];
    expect(image.RootFS.Layers[0]).toBe(base.RootFS.Layers[0]);
    expect(image.RootFS.Layers.length).toBeGreaterThan(1);
    expect(image.Labels).toMatchObject({ 'org.mcp-host.base': 'node' });
  });

  it('when the admin token is granted the tools, then tools/list through the MCP door lists the generated stub and a call reaches it', async () => {
    const me = await api<{ id: string }>('GET', '/api/tokens/me');
    const grant = await api('POST', '/api/grants', {
      server_id: serverId,
      subject: `token:${me.body.id}`,
      allow_tools: ['*'],
    });
    expect(grant.status).toBe(201);

    const init = await waitFor(
      async () => {
        const r = await mcp({
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-03-26',
            capabilities: {},
            clientInfo: { name: 'e2e', version: '1' },
          },
        });
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the MCP door to reach the server' },
    );
    expect(init.body).toMatchObject({
      id: 1,
      result: { serverInfo: { name: expect.stringMatching(/^scaffolded-/) } },
    });

    // The grant reaches the gateway through its projection; until then tools/list is filtered to nothing.
    const listed = await waitFor(
      async () => {
        const r = await mcp({ id: 2, method: 'tools/list', params: {} });
        const tools = (r.body.result as { tools?: { name: string }[] } | undefined)?.tools ?? [];
        return tools.length > 0 ? tools : undefined;
      },
      { timeoutMs: 30_000, what: 'tools/list to show the granted tools' },
    );
    expect(listed.map((t) => t.name)).toEqual(['echo']);

    const called = await mcp({
      id: 3,
      method: 'tools/call',
      params: { name: 'echo', arguments: { input: { a: 1 } } },
    });
    expect(called.body).toMatchObject({
      id: 3,
      result: {
        content: [{ type: 'text', text: JSON.stringify({ tool: 'echo', args: { input: { a: 1 } } }) }],
      },
    });
    // Seen answering through the gateway, the tool is known to the platform: the next gen-ts stubs it by name.
    const config = await waitFor(
      async () => {
        const r = await api<{ tools: string[] | null }>('GET', `/api/servers/${serverId}/config`);
        return r.body.tools ? r.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the config to list the called tool' },
    );
    expect(config.tools).toEqual(['echo']);
  });

  it('when the server and then the host are stopped, then no container and no process of the host remains', async () => {
    const stop = await api<{ stopped: boolean }>('POST', `/api/servers/${serverId}/stop`, {});
    expect(stop.status).toBeLessThan(300);
    expect(stop.body.stopped).toBe(true);
    started = false;
    await waitFor(
      async () => {
        const ids = podman(['ps', '--quiet', '--filter', `label=org.mcp-host.server-id=${serverId}`]).stdout;
        return ids.trim() === '' ? true : undefined;
      },
      { timeoutMs: 30_000, what: "the server's container to stop" },
    );

    host?.child.kill('SIGINT');
    await expect(host?.exited).resolves.toEqual({ code: 0, signal: null });
    podman(['rm', '--all', '--force', '--time', '0']);
    expect(podman(['ps', '--all', '--quiet']).stdout.trim()).toBe('');
    // conmon and the Podman service may take a moment after their parent to exit.
    const deadline = Date.now() + 15_000;
    while (processesOf(dataDir).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(processesOf(dataDir)).toEqual([]);
  });
});

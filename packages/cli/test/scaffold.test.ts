// `mcpctl scaffold …` against a stub gateway: the config record, generated TypeScript and Python projects (the
// TypeScript one bundled with the SDK and answering tools/list over Streamable HTTP, the Python one compiled), and
// create registering a server of the same type.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const dir = mkdtempSync(join(tmpdir(), 'mcpctl-scaffold-'));
const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN], { cwd: () => dir });
const EXAMPLE_MODULES = resolve(__dirname, '../../../examples/weather-server/node_modules');

const config = {
  server_id: ID,
  name: 'Weather Two',
  server_type: 'Router',
  image: '127.0.0.1:5000/mcp/weather@sha256:' + 'c'.repeat(64),
  image_source: 'artifact',
  transport: 'streamable-http',
  port: 8080,
  path: '/mcp',
  env: [
    { name: 'PORT', value: '8080' },
    { name: 'OPENAI_API_KEY', secret_ref: `provider-key://openai/${ID2}` },
  ],
  resources: { memory_mb: 256, cpu_millicores: 500, pids_limit: 128, user: '10001:10001' },
  tools: ['get_forecast', 'get-alerts', '2fa'],
};

describe('mcpctl scaffold', () => {
  it('when the config is fetched, then image, env with secret references and tools are shown; --json is the body', async () => {
    stub.on('GET', `/api/servers/${ID}/config`, { body: config });
    const shown = await cli('scaffold', 'fetch-config', ID);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/image source\s*│ artifact/);
    expect(shown.stdout).toContain(`OPENAI_API_KEY ← provider-key://openai/${ID2}`);
    expect(shown.stdout).toContain('get_forecast, get-alerts, 2fa');
    expect(JSON.parse((await cli('scaffold', 'fetch-config', ID, '--json')).stdout)).toEqual(config);
  });

  it('when the caller is not an admin, then exit 1 with the API message', async () => {
    stub.on('GET', `/api/servers/${ID}/config`, {
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'This route needs the admin role.' } },
    });
    const result = await cli('scaffold', 'fetch-config', ID);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: This route needs the admin role. (FORBIDDEN)\n');
  });

  it('when gen-python runs, then server.py stubs every tool on FastMCP and compiles', async () => {
    stub.on('GET', `/api/servers/${ID}/config`, { body: config });
    const result = await cli('scaffold', 'gen-python', ID, '--output', 'py');
    expect(result.code).toBe(0);
    const server = readFileSync(join(dir, 'py/server.py'), 'utf8');
    expect(server).toContain('from mcp.server.fastmcp import FastMCP');
    expect(server).toContain('mcp.run(transport="streamable-http")');
    expect(server).toContain('@mcp.tool(name="get-alerts"');
    expect(server).toContain('def tool_2fa(');
    expect(existsSync(join(dir, 'py/Dockerfile'))).toBe(true);
    expect(readFileSync(join(dir, 'py/README.md'), 'utf8')).toContain('`OPENAI_API_KEY`: secret');
    execFileSync('python3', ['-m', 'py_compile', join(dir, 'py/server.py')]);
  });

  it('when the output directory is not empty, then exit 1 and nothing is overwritten', async () => {
    stub.on('GET', `/api/servers/${ID}/config`, { body: config });
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken/keep.txt'), 'mine');
    const result = await cli('scaffold', 'gen-ts', ID, '--output', 'taken');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('taken exists and is not empty');
    expect(readFileSync(join(dir, 'taken/keep.txt'), 'utf8')).toBe('mine');
  });

  describe('gen-ts', () => {
    let child: ChildProcess | undefined;
    afterAll(() => {
      child?.kill('SIGTERM');
    });

    it('when gen-ts runs, then the project bundles with the SDK and answers tools/list with a stub per tool', async () => {
      stub.on('GET', `/api/servers/${ID}/config`, {
        body: { ...config, tools: ['get_forecast', 'get-alerts'] },
      });
      const result = await cli('scaffold', 'gen-ts', ID, '--output', 'ts');
      expect(result.code).toBe(0);
      const root = join(dir, 'ts');
      expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain('localhost/mcp-host/node-base:latest');
      expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('`get-alerts`');
      expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies).toHaveProperty(
        '@modelcontextprotocol/sdk',
      );

      symlinkSync(EXAMPLE_MODULES, join(root, 'node_modules'));
      execFileSync(
        join(EXAMPLE_MODULES, '.bin/esbuild'),
        [
          'src/server.ts',
          '--bundle',
          '--platform=node',
          '--target=node20',
          '--format=cjs',
          '--outfile=dist/server.js',
          '--log-level=warning',
        ],
        { cwd: root },
      );

      const port = 20_000 + Math.floor(Math.random() * 20_000);
      child = spawn(process.execPath, [join(root, 'dist/server.js')], {
        env: { ...process.env, MCP_PORT: String(port) },
        stdio: 'ignore',
      });
      const rpc = async (body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify(body),
        });
        return (await res.json()) as { result: { tools: { name: string }[] } };
      };
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await fetch(`http://127.0.0.1:${port}/healthz`);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await rpc({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-03-26',
          capabilities: {},
          clientInfo: { name: 'test', version: '1' },
        },
      });
      const listed = await rpc({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
      expect(listed.result.tools.map((t) => t.name).sort()).toEqual(['get-alerts', 'get_forecast']);
    });
  });

  it('when create runs, then a server of the source type is registered under the new name', async () => {
    stub.on('GET', `/api/servers/${ID}/config`, { body: config });
    stub.on('POST', '/api/servers', {
      status: 201,
      body: {
        id: ID2,
        name: 'weather-three',
        server_type: 'Router',
        source_repository: null,
        source_branch: 'main',
        dockerfile_path: null,
        tier: null,
        owner: null,
        status: 'registered',
        version: 1,
        created_at: AT,
        updated_at: AT,
      },
    });
    const result = await cli('scaffold', 'create', 'weather-three', '--server-id', ID);
    expect(result.code).toBe(0);
    expect(stub.requests[1].body).toEqual({ name: 'weather-three', server_type: 'Router' });
    expect(result.stdout).toMatch(/scaffolded from\s*│ /);
  });
});

// `mcpctl builds start|list|get` against a stub gateway: the uploaded context, --wait, the table and --json.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);
const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

const run = (status: string, extra: Record<string, unknown> = {}) => ({
  id: ID2,
  server_id: ID,
  status,
  platforms: ['linux/amd64'],
  artifact_run_id: status === 'succeeded' ? ID2 : null,
  source_kind: 'archive',
  source_repository: null,
  source_branch: null,
  source_revision: null,
  registry_image: '127.0.0.1:5000/mcp-host/weather:abc',
  manifest_digest: status === 'succeeded' ? DIGEST : null,
  stage: null,
  error_kind: null,
  error: null,
  started_at: AT,
  completed_at: status === 'succeeded' || status === 'failed' ? AT : null,
  ...extra,
});

describe('mcpctl builds', () => {
  it('when started with --context and --wait, then the directory is uploaded as a tar.gz and the final run is shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpctl-context-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    stub.on('POST', `/api/servers/${ID}/builds`, { status: 202, body: run('running') });
    let polls = 0;
    stub.on('GET', `/api/builds/${ID2}`, () => ({
      status: 200,
      body: run(++polls < 2 ? 'running' : 'succeeded'),
    }));

    const result = await cli('builds', 'start', ID, '--context', dir, '--dockerfile', 'Dockerfile', '--wait');

    expect(result.code).toBe(0);
    const body = stub.requests[0].body as { context_archive: string; dockerfile_path: string };
    expect(body.dockerfile_path).toBe('Dockerfile');
    // A gzip stream whose tar holds the Dockerfile.
    const tar = gunzipSync(Buffer.from(body.context_archive, 'base64')).toString('latin1');
    expect(tar).toContain('Dockerfile');
    expect(tar).toContain('FROM scratch');
    expect(result.stdout).toMatch(/status\s*│ succeeded/);
    expect(result.stdout).toContain(DIGEST);
  });

  it('when a waited build fails, then the reason is printed and the exit code is 1', async () => {
    stub.on('POST', `/api/servers/${ID}/builds`, { status: 202, body: run('running') });
    stub.on('GET', `/api/builds/${ID2}`, {
      status: 200,
      body: run('failed', { stage: 'build', error_kind: 'build_failed', error: 'step 2 exited 1' }),
    });

    const result = await cli('builds', 'start', ID, '--wait');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('step 2 exited 1');
  });

  it('when --context is not a directory, then the CLI says so and sends nothing', async () => {
    const result = await cli('builds', 'start', ID, '--context', '/nonexistent/dir');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a directory');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the API refuses the build, then its message is printed and the exit code is 1', async () => {
    stub.on('POST', `/api/servers/${ID}/builds`, {
      status: 422,
      body: { error: { code: 'SOURCE_NOT_ALLOWED', message: 'Local sources are not allowed.' } },
    });

    const result = await cli('builds', 'start', ID, '--repo', '/tmp/repo');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Local sources are not allowed.');
  });

  it('when listing, then a table of runs, and --json gives the page', async () => {
    const page = { items: [run('succeeded'), run('failed')], next_cursor: null };
    stub.on('GET', `/api/servers/${ID}/builds`, { status: 200, body: page });

    const table = await cli('builds', 'list', ID);
    const json = await cli('builds', 'list', ID, '--json');

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/STATUS/);
    expect(table.stdout).toContain('succeeded');
    expect(table.stdout).toContain('failed');
    expect(JSON.parse(json.stdout)).toEqual(page);
  });

  it('when getting one build, then its fields are shown', async () => {
    stub.on('GET', `/api/builds/${ID2}`, { status: 200, body: run('succeeded') });

    const result = await cli('builds', 'get', ID2);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/artifact run\s*│ /);
  });
});

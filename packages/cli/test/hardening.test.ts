// The CLI as a target: escape sequences in API data never reach the terminal raw, and the fallback admin-token file
// goes only to the host it was written for.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeControls } from '../src/output';
import { ID, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

// Clear the screen, retitle the window, a one-byte CSI, a carriage return that would overwrite the line, and a
// right-to-left override.
const HOSTILE = 'ok\x1b[2J\x1b]0;pwned\x07\u009b31m\rfake\u202Etxt';

function hasRawControls(text: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}

describe('escape sequences in API data', () => {
  it('when a table cell holds escape sequences, then they are printed escaped', async () => {
    stub.on('GET', '/api/status', {
      body: {
        status: 'degraded',
        services: { governance: { status: 'unreachable', error: HOSTILE } },
      },
    });

    const result = await runCli(['status', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(hasRawControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('ok\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\rfake\\u202etxt');
  });

  it('when a record field holds escape sequences, then they are printed escaped', async () => {
    stub.on('GET', '/api/tokens/me', { body: { id: ID, name: HOSTILE, subject: 'admin', role: 'admin' } });

    const result = await runCli(['whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(hasRawControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('\\x1b]0;pwned');
  });

  it('when the API’s error message holds escape sequences, then stderr shows them escaped', async () => {
    stub.on('GET', '/api/tokens/me', {
      status: 404,
      body: { error: { code: 'NOT\x1b[2JFOUND', message: `no such token ${HOSTILE}` } },
    });

    const result = await runCli(['whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(1);
    expect(hasRawControls(result.stderr.replace(/\n$/, ''))).toBe(false);
    expect(result.stderr).toContain('no such token ok\\x1b[2J');
    expect(result.stderr).toContain('(NOT\\x1b[2JFOUND)');
  });

  it('when --json is given, then the output is the same JSON value with no raw control characters', async () => {
    const body = { id: ID, name: HOSTILE, subject: 'admin', role: 'admin' };
    stub.on('GET', '/api/tokens/me', { body });

    const result = await runCli(['--json', 'whoami', '--url', stub.url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(hasRawControls(result.stdout.replace(/\n/g, ''))).toBe(false);
    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('when text has line feeds and tabs, then they stay unless asked otherwise', () => {
    expect(escapeControls('a\n\tb\r', true)).toBe('a\n\tb\\r');
    expect(escapeControls('a\n\tb')).toBe('a\\n\\tb');
    expect(escapeControls('plain ünïcode ✓')).toBe('plain ünïcode ✓');
  });
});

describe('the fallback admin-token file', () => {
  let dir: string;
  const fsIo = {
    readFile: (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
  };
  const ME = { id: ID, name: 'admin', subject: 'admin', role: 'admin' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpctl-hardening-'));
    mkdirSync(join(dir, '.mcp-host'));
    writeFileSync(join(dir, '.mcp-host', 'admin-token'), 'mcph_admin_file\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function record(url: string): void {
    writeFileSync(join(dir, '.mcp-host', 'state.json'), JSON.stringify({ gateway: { url } }));
  }

  it('when --url is another host than the one the token was written for, then the token is not sent', async () => {
    record('http://127.0.0.1:1');
    stub.on('GET', '/api/tokens/me', {
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'no' } },
    });

    const result = await runCli(['whoami', '--url', stub.url], { ...fsIo, cwd: () => dir });

    expect(stub.requests[0]?.headers.authorization).toBeUndefined();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not sending the admin token file');
    expect(result.stderr).toContain('written for http://127.0.0.1:1');
  });

  it('when --url is the host the token was written for (any loopback spelling), then the token is sent', async () => {
    const port = new URL(stub.url).port;
    record(`http://localhost:${port}`);
    stub.on('GET', '/api/tokens/me', { body: ME });

    const result = await runCli(['whoami', '--url', stub.url], { ...fsIo, cwd: () => dir });

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_admin_file');
  });

  it('when MCP_HOST_URL points at a remote host and nothing is recorded, then the token file is never read into a request', async () => {
    const sent: string[] = [];
    const result = await runCli(['whoami'], {
      ...fsIo,
      cwd: () => dir,
      env: { MCP_HOST_URL: 'https://mcp.example.invalid' },
      request: (async (url: string | URL, opts?: { headers?: Record<string, string> }) => {
        sent.push(opts?.headers?.authorization ?? '');
        throw Object.assign(new Error('offline'), { code: 'ENOTFOUND' });
      }) as never,
    });

    expect(result.code).toBe(1);
    expect(sent).toEqual(['']);
    expect(result.stderr).toContain('sent only to the local host');
  });

  it('when the token is given explicitly, then it goes to any --url', async () => {
    record('http://127.0.0.1:1');
    stub.on('GET', '/api/tokens/me', { body: ME });

    const result = await runCli(['whoami', '--url', stub.url, '--token-file', '.mcp-host/admin-token'], {
      ...fsIo,
      cwd: () => dir,
    });

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer mcph_admin_file');
  });
});

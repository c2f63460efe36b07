// `mcpctl tokens list|create|revoke` against a stub gateway.
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const token = (id: string, name: string, role = 'operator') => ({
  id,
  name,
  owner: 'admin',
  role,
  prefix: 'mcph_ab12',
  expires_at: null,
  last_used_at: AT,
  revoked_at: null,
  created_at: AT,
});

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

describe('mcpctl tokens list', () => {
  it('when tokens exist, then it prints one row per token with name, role and prefix', async () => {
    stub.on('GET', '/api/tokens', {
      body: { items: [token(ID, 'ci'), token(ID2, 'ops', 'admin')], next_cursor: null },
    });

    const result = await cli('tokens', 'list');

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes('ci'))).toMatch(new RegExp(`${ID}.*ci.*admin.*operator.*mcph_ab12`));
    expect(lines.find((l) => l.includes('ops'))).toMatch(/ops.*admin.*admin/);
    expect(result.stdout).not.toContain('More tokens exist');
  });

  it('when there is another page and --all is given, then it follows next_cursor and lists both pages', async () => {
    stub.on('GET', '/api/tokens', (req) =>
      req.query.get('cursor') === 'page-2'
        ? { body: { items: [token(ID2, 'second')], next_cursor: null } }
        : { body: { items: [token(ID, 'first')], next_cursor: 'page-2' } },
    );

    const result = await cli('tokens', 'list', '--all', '--limit', '1', '--json');

    expect(result.code).toBe(0);
    expect(stub.requests.map((r) => r.query.toString())).toEqual(['limit=1', 'limit=1&cursor=page-2']);
    const body = JSON.parse(result.stdout);
    expect(body.items.map((t: { name: string }) => t.name)).toEqual(['first', 'second']);
    expect(body.next_cursor).toBeNull();
  });

  it('when the token lacks the admin role, then the 403 message is passed through with exit 1', async () => {
    stub.on('GET', '/api/tokens', {
      status: 403,
      body: {
        error: { code: 'FORBIDDEN', message: 'GET /api/tokens needs the admin role; this token has viewer.' },
      },
    });

    const result = await cli('tokens', 'list');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: GET /api/tokens needs the admin role; this token has viewer. (FORBIDDEN)\n',
    );
  });
});

describe('mcpctl tokens create', () => {
  it('when created with --expires-in, then it posts name, role and a future expires_at and prints the secret once', async () => {
    stub.on('POST', '/api/tokens', (req) => ({
      status: 201,
      body: {
        ...token(ID, 'ci'),
        expires_at: (req.body as { expires_at: string }).expires_at,
        token: 'mcph_secret_value',
      },
    }));
    const before = Date.now();

    const result = await cli('tokens', 'create', 'ci', '--role', 'operator', '--expires-in', '30');

    expect(result.code).toBe(0);
    const body = stub.requests[0]?.body as { name: string; role: string; expires_at: string };
    expect(body.name).toBe('ci');
    expect(body.role).toBe('operator');
    const days = (Date.parse(body.expires_at) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    expect(result.stdout.match(/mcph_secret_value/g)).toHaveLength(1);
    expect(result.stdout).toContain('shown this once');
  });

  it('when --role is not a known role, then it exits 1 before calling the API', async () => {
    const result = await cli('tokens', 'create', 'ci', '--role', 'root');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^mcpctl: option '--role <role>' argument 'root' is invalid\. Allowed choices are viewer, operator, admin\.\n$/,
    );
    expect(stub.requests).toHaveLength(0);
  });

  it('when --json is given, then stdout is the created token including the secret', async () => {
    stub.on('POST', '/api/tokens', {
      status: 201,
      body: { ...token(ID, 'ci', 'viewer'), token: 'mcph_secret_value' },
    });

    const result = await cli('tokens', 'create', 'ci', '--role', 'viewer', '--json');

    expect(JSON.parse(result.stdout)).toMatchObject({ id: ID, role: 'viewer', token: 'mcph_secret_value' });
    expect(stub.requests[0]?.body).toEqual({ name: 'ci', role: 'viewer' });
  });
});

describe('mcpctl tokens revoke', () => {
  it('when the token exists, then it sends DELETE /api/tokens/:id and confirms', async () => {
    stub.on('DELETE', `/api/tokens/${ID}`, { status: 204 });

    const result = await cli('tokens', 'revoke', ID);

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.method).toBe('DELETE');
    expect(result.stdout).toBe(`Revoked token ${ID}.\n`);
  });

  it('when the token does not exist, then the 404 message is passed through with exit 1', async () => {
    stub.on('DELETE', `/api/tokens/${ID}`, {
      status: 404,
      body: { error: { code: 'TOKEN_NOT_FOUND', message: `No API token with id ${ID}.` } },
    });

    const result = await cli('tokens', 'revoke', ID);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: No API token with id ${ID}. (TOKEN_NOT_FOUND)\n`);
  });
});

// `mcpctl servers list|get|register|update|delete` against a stub gateway.
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const server = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  server_type: 'Router',
  source_repository: 'https://github.com/acme/router.git',
  source_branch: 'main',
  dockerfile_path: 'Dockerfile',
  tier: 'gold',
  owner: 'team-a',
  status: 'registered',
  version: 3,
  created_at: AT,
  updated_at: AT,
  ...extra,
});

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

describe('mcpctl servers list', () => {
  it('when filters are given, then they become query parameters and each server is a row', async () => {
    stub.on('GET', '/api/servers', { body: { items: [server(ID, 'github-router')], next_cursor: 'more' } });

    const result = await cli('servers', 'list', '--q', 'git', '--status', 'running', '--limit', '10');

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({
      q: 'git',
      status: 'running',
      limit: '10',
    });
    expect(result.stdout).toMatch(new RegExp(`${ID}.*github-router.*Router.*registered.*gold.*team-a.*3`));
    expect(result.stdout).toContain('More servers exist: pass --all to list them.');
  });

  it('when --all is given, then it follows next_cursor until it is null', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [server(ID, 'one')], next_cursor: 'c2' },
      c2: { items: [server(ID2, 'two')], next_cursor: 'c3' },
      c3: { items: [], next_cursor: null },
    };
    stub.on('GET', '/api/servers', (req) => ({ body: pages[req.query.get('cursor') ?? ''] }));

    const result = await cli('servers', 'list', '--all');

    expect(result.code).toBe(0);
    expect(stub.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'c2', 'c3']);
    expect(result.stdout).toContain('one');
    expect(result.stdout).toContain('two');
    expect(result.stdout).not.toContain('More servers exist');
  });

  it('when there are no servers, then it says so', async () => {
    stub.on('GET', '/api/servers', { body: { items: [], next_cursor: null } });

    const result = await cli('servers', 'list');

    expect(result.stdout).toBe('No servers.\n');
  });

  it('when --json is given, then stdout parses to the page', async () => {
    const page = { items: [server(ID, 'one')], next_cursor: null };
    stub.on('GET', '/api/servers', { body: page });

    const result = await cli('servers', 'list', '--json');

    expect(JSON.parse(result.stdout)).toEqual(page);
  });

  it('when --limit is out of range, then it exits 1 before calling the API', async () => {
    const result = await cli('servers', 'list', '--limit', '500');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "mcpctl: option '--limit <n>' argument '500' is invalid. must be at most 200.\n",
    );
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl servers get', () => {
  it('when the server exists, then it prints its fields', async () => {
    stub.on('GET', `/api/servers/${ID}`, { body: server(ID, 'github-router') });

    const result = await cli('servers', 'get', ID);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/name\s*│\s*github-router/);
    expect(result.stdout).toMatch(/repository\s*│\s*https:\/\/github.com\/acme\/router.git/);
    expect(result.stdout).toMatch(/version\s*│\s*3/);
  });

  it('when the id is not a UUID, then the API message is passed through with exit 1', async () => {
    stub.on('GET', '/api/servers/nope', {
      status: 400,
      body: { error: { code: 'INVALID_ID', message: 'The server id must be a UUID.' } },
    });

    const result = await cli('servers', 'get', 'nope');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: The server id must be a UUID. (INVALID_ID)\n');
  });
});

describe('mcpctl servers register', () => {
  it('when every flag is given, then the body uses the API field names', async () => {
    stub.on('POST', '/api/servers', (req) => ({
      status: 201,
      body: server(ID, 'github-router', req.body as Record<string, unknown>),
    }));

    const result = await cli(
      'servers',
      'register',
      'github-router',
      '--type',
      'Router',
      '--repo',
      'https://github.com/acme/router.git',
      '--branch',
      'dev',
      '--dockerfile',
      'docker/Dockerfile',
      '--tier',
      'silver',
      '--owner',
      'team-b',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.headers['content-type']).toBe('application/json');
    expect(stub.requests[0]?.body).toEqual({
      name: 'github-router',
      server_type: 'Router',
      source_repository: 'https://github.com/acme/router.git',
      source_branch: 'dev',
      dockerfile_path: 'docker/Dockerfile',
      tier: 'silver',
      owner: 'team-b',
    });
    expect(result.stdout).toMatch(/tier\s*│\s*silver/);
  });

  it('when only --type is given, then optional fields are left out so the API applies its defaults', async () => {
    stub.on('POST', '/api/servers', { status: 201, body: server(ID, 'r') });

    await cli('servers', 'register', 'r', '--type', 'Router');

    expect(stub.requests[0]?.body).toEqual({ name: 'r', server_type: 'Router' });
  });

  it('when the name is taken, then the 409 message is passed through with exit 1', async () => {
    stub.on('POST', '/api/servers', {
      status: 409,
      body: { error: { code: 'NAME_TAKEN', message: 'A server named "r" already exists.' } },
    });

    const result = await cli('servers', 'register', 'r', '--type', 'Router');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: A server named "r" already exists. (NAME_TAKEN)\n');
  });

  it('when stderr is a terminal, then a spinner draws on stderr and is cleared, and stdout stays clean', async () => {
    stub.on('POST', '/api/servers', { status: 201, body: server(ID, 'r') });

    const result = await runCli(
      ['servers', 'register', 'r', '--type', 'Router', '--json', '--url', stub.url],
      {
        stderrIsTTY: true,
      },
    );

    expect(result.stderr).toContain('Registering server r');
    expect(result.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: ID });
  });

  it('when stderr is not a terminal, then no spinner is drawn', async () => {
    stub.on('POST', '/api/servers', { status: 201, body: server(ID, 'r') });

    const result = await cli('servers', 'register', 'r', '--type', 'Router');

    expect(result.stderr).toBe('');
  });
});

describe('mcpctl servers update', () => {
  it('when fields and --version are given, then it PATCHes them with the version as a number', async () => {
    stub.on('PATCH', `/api/servers/${ID}`, { body: server(ID, 'r', { tier: 'platinum', version: 4 }) });

    const result = await cli(
      'servers',
      'update',
      ID,
      '--version',
      '3',
      '--tier',
      'platinum',
      '--owner',
      'team-c',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({ tier: 'platinum', owner: 'team-c', version: 3 });
    expect(result.stdout).toMatch(/version\s*│\s*4/);
  });

  it('when the version is stale, then the 409 message is passed through with exit 1', async () => {
    stub.on('PATCH', `/api/servers/${ID}`, {
      status: 409,
      body: { error: { code: 'VERSION_CONFLICT', message: 'The server is at version 5, not 3.' } },
    });

    const result = await cli('servers', 'update', ID, '--version', '3', '--tier', 'gold');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: The server is at version 5, not 3. (VERSION_CONFLICT)\n');
  });

  it('when no field is given, then it exits 1 without calling the API', async () => {
    const result = await cli('servers', 'update', ID, '--version', '3');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mcpctl: Nothing to update/);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl servers delete', () => {
  it('when --version is given, then it is sent as a query parameter and the deletion is confirmed', async () => {
    stub.on('DELETE', `/api/servers/${ID}`, { status: 204 });

    const result = await cli('servers', 'delete', ID, '--version', '7');

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.query.get('version')).toBe('7');
    expect(result.stdout).toBe(`Deleted server ${ID}.\n`);
  });

  it('when --json is given, then stdout parses and names the deleted id', async () => {
    stub.on('DELETE', `/api/servers/${ID}`, { status: 204 });

    const result = await cli('servers', 'delete', ID, '--json');

    expect(stub.requests[0]?.query.has('version')).toBe(false);
    expect(JSON.parse(result.stdout)).toEqual({ id: ID, deleted: true });
  });
});

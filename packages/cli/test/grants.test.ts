// `mcpctl grants list|get|create|delete` against a stub gateway.
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const SERVER = '3f1c2a9e-7b4d-4c1e-9a2b-5d6e7f809a1b';

const grant = (id: string, subject: string, allow: string[], deny: string[] = []) => ({
  id,
  server_id: SERVER,
  subject,
  allow_tools: allow,
  deny_tools: deny,
  version: 1,
  created_by: 'admin',
  created_at: AT,
});

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

describe('mcpctl grants list', () => {
  it('when grants exist, then it prints one row per grant with subject and tools, and passes the filters', async () => {
    stub.on('GET', '/api/grants', {
      body: {
        items: [
          grant(ID, 'role:operator', ['echo', 'get_forecast']),
          grant(ID2, 'token:abc', ['*'], ['wipe']),
        ],
        next_cursor: null,
      },
    });

    const result = await cli('grants', 'list', '--server', SERVER, '--subject', 'role:operator');

    expect(result.code).toBe(0);
    expect(stub.requests[0].query.get('server_id')).toBe(SERVER);
    expect(stub.requests[0].query.get('subject')).toBe('role:operator');
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes(ID))).toMatch(/role:operator.*echo,get_forecast/);
    expect(lines.find((l) => l.includes(ID2))).toMatch(/token:abc.*\*.*wipe/);
  });

  it('when --all is given, then it follows next_cursor and --json prints both pages', async () => {
    stub.on('GET', '/api/grants', (req) =>
      req.query.get('cursor') === 'p2'
        ? { body: { items: [grant(ID2, 'role:viewer', ['a'])], next_cursor: null } }
        : { body: { items: [grant(ID, 'role:admin', ['b'])], next_cursor: 'p2' } },
    );

    const result = await cli('grants', 'list', '--all', '--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).items.map((g: { id: string }) => g.id)).toEqual([ID, ID2]);
  });
});

describe('mcpctl grants create', () => {
  it('when created with repeated and comma-separated tools, then it posts them and prints the grant', async () => {
    stub.on('POST', '/api/grants', (req) => ({
      status: 201,
      body: {
        ...grant(ID, 'subject:agent', []),
        ...(req.body as Record<string, unknown>),
      },
    }));

    const result = await cli(
      'grants',
      'create',
      '--server',
      SERVER,
      '--subject',
      'subject:agent',
      '--allow',
      'echo, get_forecast',
      '--allow',
      'list_cities',
      '--deny',
      'wipe',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      server_id: SERVER,
      subject: 'subject:agent',
      allow_tools: ['echo', 'get_forecast', 'list_cities'],
      deny_tools: ['wipe'],
    });
    expect(result.stdout).toMatch(/subject:agent.*echo,get_forecast,list_cities.*wipe/);
  });

  it('when the API refuses the body, then its message is printed with exit 1', async () => {
    stub.on('POST', '/api/grants', {
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'subject: must be token:<id>, subject:<subject> or role:<role>',
        },
      },
    });

    const result = await cli('grants', 'create', '--server', SERVER, '--subject', 'bob', '--allow', 'x');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('subject: must be token:<id>');
  });
});

describe('mcpctl grants get and delete', () => {
  it('when a grant is fetched, then it is printed as a table', async () => {
    stub.on('GET', `/api/grants/${ID}`, { body: grant(ID, 'role:operator', ['echo']) });

    const result = await cli('grants', 'get', ID);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${ID}.*role:operator.*echo`));
  });

  it('when deleted with --version, then it sends the version; a stale one shows the 409 message', async () => {
    stub.on('DELETE', `/api/grants/${ID}`, (req) =>
      req.query.get('version') === '1'
        ? { status: 204 }
        : {
            status: 409,
            body: { error: { code: 'VERSION_CONFLICT', message: `Grant ${ID} is at version 1, not 2.` } },
          },
    );

    const ok = await cli('grants', 'delete', ID, '--version', '1');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Deleted grant ${ID}.`);

    const stale = await cli('grants', 'delete', ID, '--version', '2');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is at version 1, not 2');
  });
});

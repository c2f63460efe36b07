// `mcpctl access grant …` and `mcpctl access session …` against a stub gateway.
import { SERVER, grant, session } from './access-fixtures';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

describe('mcpctl access grant', () => {
  it('when grants are listed, then each row shows whether it is enabled, and the filters are passed', async () => {
    stub.on('GET', '/api/grants', {
      body: { items: [grant(ID), grant(ID2, { enabled: false, version: 2 })], next_cursor: 'more' },
    });

    const result = await cli('access', 'grant', 'list', '--server', SERVER, '--subject', 'role:operator');

    expect(result.code).toBe(0);
    expect(stub.requests[0].query.get('server_id')).toBe(SERVER);
    expect(stub.requests[0].query.get('subject')).toBe('role:operator');
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes(ID))).toMatch(/role:operator.*echo.*yes.*1/);
    expect(lines.find((l) => l.includes(ID2))).toMatch(/role:operator.*echo.*no.*2/);
    expect(result.stdout).toContain('pass --all');
  });

  it('when a grant is disabled and enabled, then the version is sent in the body and the new state printed', async () => {
    stub.on('POST', `/api/grants/${ID}/disable`, (req) => ({
      body: grant(ID, { enabled: false, version: (req.body as { version: number }).version + 1 }),
    }));
    stub.on('POST', `/api/grants/${ID}/enable`, {
      status: 409,
      body: { error: { code: 'VERSION_CONFLICT', message: `Grant ${ID} is at version 2, not 1.` } },
    });

    const disabled = await cli('access', 'grant', 'disable', ID, '--version', '1');
    expect(disabled.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ version: 1 });
    expect(disabled.stdout.split('\n').find((l) => l.includes(ID))).toMatch(/\bno\b.*\b2\b/);

    const stale = await cli('access', 'grant', 'enable', ID, '--version', '1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is at version 2, not 1');

    const missing = await cli('access', 'grant', 'enable', ID);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--version');
  });

  it('when a grant is created, fetched as --json and deleted, then each call goes to its route', async () => {
    stub.on('POST', '/api/grants', (req) => ({
      status: 201,
      body: grant(ID, req.body as Record<string, unknown>),
    }));
    stub.on('GET', `/api/grants/${ID}`, { body: grant(ID) });
    stub.on('DELETE', `/api/grants/${ID}`, { status: 204 });

    const created = await cli(
      'access',
      'grant',
      'create',
      '--server',
      SERVER,
      '--subject',
      'token:abc',
      '--allow',
      'echo,get_forecast',
      '--deny',
      'wipe',
    );
    expect(created.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      server_id: SERVER,
      subject: 'token:abc',
      allow_tools: ['echo', 'get_forecast'],
      deny_tools: ['wipe'],
    });
    expect(created.stdout).toMatch(/token:abc.*echo,get_forecast.*wipe/);

    const got = await cli('access', 'grant', 'get', ID, '--json');
    expect(JSON.parse(got.stdout)).toEqual(grant(ID));

    const deleted = await cli('access', 'grant', 'delete', ID, '--version', '1');
    expect(deleted.code).toBe(0);
    expect(stub.requests[2].query.get('version')).toBe('1');
    expect(deleted.stdout).toContain(`Deleted grant ${ID}.`);
  });
});

describe('mcpctl access session', () => {
  it('when sessions are listed, then state is shown as active, revoked or expired and filters are passed', async () => {
    stub.on('GET', '/api/sessions', {
      body: {
        items: [
          session(ID),
          session(ID2, { revoked: true, revoked_at: AT, version: 2 }),
          session('2d8e9f20-5b3c-4e77-9f50-4c9d1e3f6071', { expires_at: AT, server_id: null }),
        ],
        next_cursor: null,
      },
    });

    const result = await cli(
      'access',
      'session',
      'list',
      '--agent',
      'forecast-agent',
      '--subject',
      'subject:agent@example.com',
      '--server',
      SERVER,
      '--state',
      'active',
      '--limit',
      '50',
    );

    expect(result.code).toBe(0);
    const q = stub.requests[0].query;
    expect([q.get('agent_id'), q.get('subject'), q.get('server_id'), q.get('state'), q.get('limit')]).toEqual(
      ['forecast-agent', 'subject:agent@example.com', SERVER, 'active', '50'],
    );
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes(ID))).toMatch(/forecast-agent.*medium.*active/);
    expect(lines.find((l) => l.includes(ID2))).toMatch(/revoked/);
    expect(lines.find((l) => l.includes('2d8e9f20'))).toMatch(/any.*medium.*expired/);
  });

  it('when --all is given, then it follows next_cursor and --json prints every session', async () => {
    stub.on('GET', '/api/sessions', (req) =>
      req.query.get('cursor') === 'p2'
        ? { body: { items: [session(ID2)], next_cursor: null } }
        : { body: { items: [session(ID)], next_cursor: 'p2' } },
    );

    const result = await cli('access', 'session', 'list', '--all', '--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).items.map((s: { id: string }) => s.id)).toEqual([ID, ID2]);
  });

  it('when a session is created, then agent, subject, server, trust and TTL are posted; a bad trust level is refused locally', async () => {
    stub.on('POST', '/api/sessions', (req) => ({
      status: 201,
      body: session(ID, req.body as Record<string, unknown>),
    }));

    const created = await cli(
      'access',
      'session',
      'create',
      '--agent',
      'forecast-agent',
      '--subject',
      'token:abc',
      '--server',
      SERVER,
      '--trust',
      'high',
      '--ttl',
      '600',
    );
    expect(created.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      agent_id: 'forecast-agent',
      subject: 'token:abc',
      server_id: SERVER,
      trust_level: 'high',
      ttl_seconds: 600,
    });
    expect(created.stdout).toMatch(/forecast-agent.*token:abc.*high.*active/);

    const defaults = await cli('access', 'session', 'create', '--agent', 'a', '--subject', 'subject:b');
    expect(defaults.code).toBe(0);
    expect(stub.requests[1].body).toEqual({
      agent_id: 'a',
      subject: 'subject:b',
      trust_level: 'low',
      ttl_seconds: 3600,
    });

    const bad = await cli(
      'access',
      'session',
      'create',
      '--agent',
      'a',
      '--subject',
      'subject:b',
      '--trust',
      'total',
    );
    expect(bad.code).toBe(1);
    expect(stub.requests).toHaveLength(2);
  });

  it('when a session is revoked, fetched and unrevoked, then the version goes in the body and a stale one shows the 409', async () => {
    stub.on('POST', `/api/sessions/${ID}/revoke`, {
      body: session(ID, { revoked: true, revoked_at: AT, version: 2 }),
    });
    stub.on('GET', `/api/sessions/${ID}`, {
      body: session(ID, { revoked: true, revoked_at: AT, version: 2 }),
    });
    stub.on('POST', `/api/sessions/${ID}/unrevoke`, (req) =>
      (req.body as { version: number }).version === 2
        ? { body: session(ID, { version: 3 }) }
        : {
            status: 409,
            body: {
              error: { code: 'VERSION_CONFLICT', message: `Agent session ${ID} is at version 2, not 1.` },
            },
          },
    );

    const revoked = await cli('access', 'session', 'revoke', ID, '--version', '1');
    expect(revoked.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ version: 1 });
    expect(revoked.stdout).toMatch(/revoked.*\b2\b/);

    expect((await cli('access', 'session', 'get', ID)).stdout).toMatch(new RegExp(`${ID}.*revoked`));

    const stale = await cli('access', 'session', 'unrevoke', ID, '--version', '1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is at version 2, not 1');

    const restored = await cli('access', 'session', 'unrevoke', ID, '--version', '2', '--json');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ revoked: false, version: 3 });
  });
});

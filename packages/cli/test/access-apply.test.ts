// `mcpctl access grant|session init|apply`: YAML manifests written by init, applied against a stub gateway.
import { parse } from 'yaml';
import { SERVER, grant, session } from './access-fixtures';
import { ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

/** Runs mcpctl with `files` readable by path, as the real io reads them from disk. */
const cli = (files: Record<string, string>, ...args: string[]) =>
  runCli([...args, '--url', stub.url, '--token', TOKEN], { readFile: (path) => files[path] });

const GRANT_YAML = `kind: Grant
server_id: ${SERVER}
subject: role:operator
allow_tools: [echo, forecast]
deny_tools: [delete_city]
`;

describe('mcpctl access grant init|apply', () => {
  it('when init is given flags, then it prints YAML that parses back to those fields, and calls nothing', async () => {
    const result = await cli(
      {},
      'access',
      'grant',
      'init',
      '--server',
      SERVER,
      '--subject',
      'role:viewer',
      '--allow',
      'echo,forecast',
    );

    expect(result.code).toBe(0);
    expect(stub.requests).toHaveLength(0);
    expect(parse(result.stdout)).toEqual({
      kind: 'Grant',
      server_id: SERVER,
      subject: 'role:viewer',
      allow_tools: ['echo', 'forecast'],
      deny_tools: [],
      enabled: true,
    });
  });

  it('when init gets tool names YAML treats specially (*, @…, …:), then they are quoted and parse back as given', async () => {
    const result = await cli({}, 'access', 'grant', 'init', '--deny', '*,@admin,reset:');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('allow_tools: ["*"]');
    expect(parse(result.stdout)).toMatchObject({ allow_tools: ['*'], deny_tools: ['*', '@admin', 'reset:'] });
  });

  it('when no grant exists for the subject and server, then apply creates it with the manifest body', async () => {
    stub.on('GET', '/api/grants', { body: { items: [], next_cursor: null } });
    stub.on('POST', '/api/grants', (req) => ({
      status: 201,
      body: grant(ID, req.body as Record<string, unknown>),
    }));

    const result = await cli({ 'g.yaml': GRANT_YAML }, 'access', 'grant', 'apply', '-f', 'g.yaml');

    expect(result.code).toBe(0);
    expect(stub.requests[0].query.get('server_id')).toBe(SERVER);
    expect(stub.requests[0].query.get('subject')).toBe('role:operator');
    expect(stub.requests[1]).toMatchObject({
      method: 'POST',
      body: {
        server_id: SERVER,
        subject: 'role:operator',
        allow_tools: ['echo', 'forecast'],
        deny_tools: ['delete_city'],
      },
    });
    expect(result.stdout.split('\n').find((l) => l.includes(ID))).toMatch(/created.*role:operator/);
  });

  it('when the same tools are granted already, then apply keeps the grant and changes nothing', async () => {
    stub.on('GET', '/api/grants', {
      body: {
        items: [grant(ID, { allow_tools: ['forecast', 'echo'], deny_tools: ['delete_city'] })],
        next_cursor: null,
      },
    });

    const result = await cli({ 'g.yaml': GRANT_YAML }, 'access', 'grant', 'apply', '-f', 'g.yaml', '--json');

    expect(result.code).toBe(0);
    expect(stub.requests.map((r) => r.method)).toEqual(['GET']);
    expect(JSON.parse(result.stdout)).toEqual([
      { action: 'unchanged', grant: expect.objectContaining({ id: ID }) },
    ]);
  });

  it('when the tools differ, then apply deletes the old grant at its version and creates the new one', async () => {
    stub.on('GET', '/api/grants', { body: { items: [grant(ID, { version: 3 })], next_cursor: null } });
    stub.on('DELETE', `/api/grants/${ID}`, { status: 204 });
    stub.on('POST', '/api/grants', (req) => ({
      status: 201,
      body: grant(ID2, req.body as Record<string, unknown>),
    }));

    const result = await cli({ 'g.yaml': GRANT_YAML }, 'access', 'grant', 'apply', '-f', 'g.yaml', '--json');

    expect(result.code).toBe(0);
    expect(stub.requests[1]).toMatchObject({ method: 'DELETE', path: `/api/grants/${ID}` });
    expect(stub.requests[1].query.get('version')).toBe('3');
    expect(stub.requests[2].method).toBe('POST');
    expect(JSON.parse(result.stdout)).toEqual([
      { action: 'replaced', grant: expect.objectContaining({ id: ID2 }) },
    ]);
  });

  it('when the manifest says enabled: false, then apply disables the matching grant at its version', async () => {
    stub.on('GET', '/api/grants', {
      body: {
        items: [grant(ID, { allow_tools: ['echo', 'forecast'], deny_tools: ['delete_city'], version: 2 })],
        next_cursor: null,
      },
    });
    stub.on('POST', `/api/grants/${ID}/disable`, { body: grant(ID, { enabled: false, version: 3 }) });

    const result = await cli(
      { 'g.yaml': `${GRANT_YAML}enabled: false\n` },
      'access',
      'grant',
      'apply',
      '-f',
      'g.yaml',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[1]).toMatchObject({
      method: 'POST',
      path: `/api/grants/${ID}/disable`,
      body: { version: 2 },
    });
    expect(result.stdout.split('\n').find((l) => l.includes(ID))).toMatch(/disabled.*\bno\b.*\b3\b/);
  });

  it('when any document of the manifest is invalid, then apply names it, exits 1 and sends nothing', async () => {
    const bad = `${GRANT_YAML}---\nkind: Grant\nserver_id: not-a-uuid\nsubject: role:operator\nallow_tools: [echo]\n`;

    const invalid = await cli({ 'g.yaml': bad }, 'access', 'grant', 'apply', '-f', 'g.yaml');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('g.yaml, document 2 is not a valid grant');
    expect(invalid.stderr).toContain('server_id');

    const wrongKind = await cli(
      { 's.yaml': 'kind: AgentSession\nagent_id: a\n' },
      'access',
      'grant',
      'apply',
      '-f',
      's.yaml',
    );
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain('kind "AgentSession"');

    const broken = await cli(
      { 'b.yaml': 'allow_tools: [echo\n' },
      'access',
      'grant',
      'apply',
      '-f',
      'b.yaml',
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('not valid YAML');

    const missing = await cli({}, 'access', 'grant', 'apply', '-f', 'nope.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml does not exist');
    expect(stub.requests).toHaveLength(0);
  });

  it('when two grants exist for one subject and server, then apply refuses to guess', async () => {
    stub.on('GET', '/api/grants', { body: { items: [grant(ID), grant(ID2)], next_cursor: null } });

    const result = await cli({ 'g.yaml': GRANT_YAML }, 'access', 'grant', 'apply', '-f', 'g.yaml');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('2 grants exist for role:operator');
    expect(stub.requests.map((r) => r.method)).toEqual(['GET']);
  });
});

const SESSION_YAML = `kind: AgentSession
agent_id: forecast-agent
subject: subject:agent@example.com
server_id: ${SERVER}
trust_level: medium
ttl_seconds: 600
`;

describe('mcpctl access session init|apply', () => {
  it('when init is given flags, then it prints YAML that parses back to a valid session body', async () => {
    const result = await cli(
      {},
      'access',
      'session',
      'init',
      '--agent',
      'forecast-agent',
      '--trust',
      'high',
      '--ttl',
      '120',
    );

    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual({
      kind: 'AgentSession',
      agent_id: 'forecast-agent',
      subject: 'subject:agent@example.com',
      trust_level: 'high',
      ttl_seconds: 120,
    });
  });

  it('when no active session matches, then apply opens one; when one matches, it is kept', async () => {
    stub.on('GET', '/api/sessions', { body: { items: [], next_cursor: null } });
    stub.on('POST', '/api/sessions', (req) => ({
      status: 201,
      body: session(ID, req.body as Record<string, unknown>),
    }));

    const created = await cli(
      { 's.yaml': SESSION_YAML },
      'access',
      'session',
      'apply',
      '-f',
      's.yaml',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(stub.requests[0].query.get('state')).toBe('active');
    expect(stub.requests[1].body).toEqual({
      agent_id: 'forecast-agent',
      subject: 'subject:agent@example.com',
      server_id: SERVER,
      trust_level: 'medium',
      ttl_seconds: 600,
    });
    expect(JSON.parse(created.stdout)[0].action).toBe('created');

    stub.reset();
    stub.on('GET', '/api/sessions', { body: { items: [session(ID)], next_cursor: null } });
    const kept = await cli(
      { 's.yaml': SESSION_YAML },
      'access',
      'session',
      'apply',
      '-f',
      's.yaml',
      '--json',
    );
    expect(kept.code).toBe(0);
    expect(stub.requests.map((r) => r.method)).toEqual(['GET']);
    expect(JSON.parse(kept.stdout)).toEqual([
      { action: 'unchanged', session: expect.objectContaining({ id: ID }) },
    ]);
  });

  it('when the active session has another trust level, then apply revokes it and opens a new one', async () => {
    stub.on('GET', '/api/sessions', {
      body: { items: [session(ID, { trust_level: 'high', version: 4 })], next_cursor: null },
    });
    stub.on('POST', `/api/sessions/${ID}/revoke`, { body: session(ID, { revoked: true, version: 5 }) });
    stub.on('POST', '/api/sessions', (req) => ({
      status: 201,
      body: session(ID2, req.body as Record<string, unknown>),
    }));

    const result = await cli({ 's.yaml': SESSION_YAML }, 'access', 'session', 'apply', '-f', 's.yaml');

    expect(result.code).toBe(0);
    expect(stub.requests[1]).toMatchObject({ path: `/api/sessions/${ID}/revoke`, body: { version: 4 } });
    expect(result.stdout.split('\n').find((l) => l.includes(ID2))).toMatch(
      /replaced.*forecast-agent.*medium/,
    );
  });

  it('when a session document is invalid, then apply names the field and sends nothing', async () => {
    const result = await cli(
      { 's.yaml': SESSION_YAML.replace('trust_level: medium', 'trust_level: root') },
      'access',
      'session',
      'apply',
      '-f',
      's.yaml',
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('s.yaml, document 1 is not a valid agent session');
    expect(result.stderr).toContain('trust_level');
    expect(stub.requests).toHaveLength(0);
  });
});

// `mcpctl marketplace list` and `mcpctl governance workflows list|create` against a stub gateway.
import { EVENT_EXAMPLES } from '@mcp-host/contracts';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const entry = { ...EVENT_EXAMPLES['marketplace.entry.upserted'], platforms: [], promotion_history: [] };
const watchlist = {
  ...entry,
  artifact_run_id: null,
  server_name: 'slack-bridge',
  server_type: 'Slack',
  tier: 'watchlist:Slack',
  status: null,
  manifest_tag: null,
  manifest_digest: null,
  architectures: [],
  multi_arch: false,
  active_promotion: null,
};

describe('mcpctl marketplace list', () => {
  it('when filters are given, then they use the API names and each artifact is a row with its status', async () => {
    stub.on('GET', '/api/marketplace', { body: { items: [entry, watchlist], next_cursor: null } });

    const result = await cli(
      'marketplace',
      'list',
      '--server-type',
      'Router',
      '--status',
      'succeeded',
      '--tier',
      'gold',
      '--q',
      'git',
      '--limit',
      '5',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({
      server_type: 'Router',
      status: 'succeeded',
      tier: 'gold',
      q: 'git',
      limit: '5',
    });
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes('github-router'))).toMatch(
      /github-router.*Router.*gold:Router.*succeeded.*3f1c2a9e.*sha256:.{12} .*linux\/amd64.*production \(active\)/,
    );
    expect(lines.find((l) => l.includes('slack-bridge'))).toMatch(
      /│ - .*slack-bridge.*watchlist:Slack.*│ - /,
    );
  });

  it('when --json is given, then stdout parses to the catalog page', async () => {
    const page = { items: [entry], next_cursor: null };
    stub.on('GET', '/api/marketplace', { body: page });

    const result = await cli('marketplace', 'list', '--json');

    expect(JSON.parse(result.stdout)).toEqual(page);
  });

  it('when the marketplace is down, then the gateway message is passed through with exit 1', async () => {
    stub.on('GET', '/api/marketplace', {
      status: 503,
      body: { error: { code: 'UPSTREAM_UNAVAILABLE', message: 'The marketplace service is not reachable.' } },
    });

    const result = await cli('marketplace', 'list');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: The marketplace service is not reachable. (UPSTREAM_UNAVAILABLE)\n');
  });
});

const workflow = (id: string, name: string) => ({
  id,
  name,
  kind: 'promotion',
  tier: 'gold',
  description: null,
  created_by: 'admin',
  steps: [
    { position: 0, name: 'review', action: 'approve', description: null },
    { position: 1, name: 'deploy', action: null, description: null },
  ],
  created_at: AT,
  updated_at: AT,
});

describe('mcpctl governance workflows list', () => {
  it('when workflows exist, then each is a row with its steps in order', async () => {
    stub.on('GET', '/api/governance/workflows', {
      body: { items: [workflow(ID, 'gold-release')], next_cursor: null },
    });

    const result = await cli('governance', 'workflows', 'list', '--tier', 'gold', '--kind', 'promotion');

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({ tier: 'gold', kind: 'promotion' });
    expect(result.stdout).toMatch(
      new RegExp(`${ID}.*gold-release.*promotion.*gold.*review:approve → deploy`),
    );
  });

  it('when --all and --json are given, then every page is fetched and stdout parses', async () => {
    stub.on('GET', '/api/governance/workflows', (req) =>
      req.query.get('cursor') === 'next'
        ? { body: { items: [workflow(ID2, 'b')], next_cursor: null } }
        : { body: { items: [workflow(ID, 'a')], next_cursor: 'next' } },
    );

    const result = await cli('governance', 'workflows', 'list', '--all', '--json');

    expect(JSON.parse(result.stdout).items.map((w: { name: string }) => w.name)).toEqual(['a', 'b']);
  });

  it('when an item lacks its fields, then it exits 1 naming what is missing', async () => {
    stub.on('GET', '/api/governance/workflows', { body: { items: [{ id: ID }], next_cursor: null } });

    const result = await cli('governance', 'workflows', 'list');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('name: expected a string');
  });
});

describe('mcpctl governance workflows create', () => {
  it('when steps are given as NAME[:ACTION], then the body keeps their order and splits the action', async () => {
    stub.on('POST', '/api/governance/workflows', { status: 201, body: workflow(ID, 'gold-release') });

    const result = await cli(
      'governance',
      'workflows',
      'create',
      'gold-release',
      '--tier',
      'gold',
      '--step',
      'review:approve',
      '--step',
      'deploy',
      '--kind',
      'rollback',
      '--description',
      'ship gold',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({
      name: 'gold-release',
      tier: 'gold',
      kind: 'rollback',
      description: 'ship gold',
      steps: [{ name: 'review', action: 'approve' }, { name: 'deploy' }],
    });
    expect(result.stdout).toContain('review:approve → deploy');
  });

  it('when no --step is given, then it exits 1 before calling the API', async () => {
    const result = await cli('governance', 'workflows', 'create', 'w', '--tier', 'gold');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe("mcpctl: required option '--step <name[:action]>' not specified\n");
    expect(stub.requests).toHaveLength(0);
  });

  it('when a step has an empty action, then it exits 1 naming the step', async () => {
    const result = await cli('governance', 'workflows', 'create', 'w', '--tier', 'gold', '--step', 'review:');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('step "review" has an empty action');
  });

  it('when the name is taken, then the API message is passed through with exit 1', async () => {
    stub.on('POST', '/api/governance/workflows', {
      status: 409,
      body: { error: { code: 'NAME_TAKEN', message: 'A workflow named "w" already exists.' } },
    });

    const result = await cli('governance', 'workflows', 'create', 'w', '--tier', 'gold', '--step', 'review');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: A workflow named "w" already exists. (NAME_TAKEN)\n');
  });
});

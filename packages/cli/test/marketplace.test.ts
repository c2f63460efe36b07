// `mcpctl marketplace list` (search, clamped limits) and `mcpctl marketplace get` against a stub gateway.
import { EVENT_EXAMPLES, type MarketplaceCatalogEntry } from '@mcp-host/contracts';
import { AT, ID, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const example = EVENT_EXAMPLES['marketplace.entry.upserted'];
const promotion = {
  ...example.active_promotion!,
  governance_run_id: null,
  approved_by: 'lead@example.com',
  scheduled_at: AT,
};
const entry: MarketplaceCatalogEntry = {
  ...example,
  artifact_run_id: ID,
  health: { grade: 'silver', issues: ['evaluation-pending:gold:conformance'] },
  platforms: ['linux/amd64', 'linux/arm64'].map((platform) => ({
    platform,
    remote_image: `registry.example.com/mcp/github-router@${example.manifest_digest}`,
    digest: example.manifest_digest,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: platform === 'linux/arm64' ? 'unconfigured' : 'healthy',
  })),
  active_promotion: promotion,
  promotion_history: [promotion],
  certifications: {
    target_tier: 'gold',
    required: ['security-scan', 'conformance'],
    certified: [{ tier: 'gold', policy_requirement: 'security-scan', certification_id: ID, valid_until: AT }],
    pending: [{ tier: 'gold', policy_requirement: 'conformance', certification_id: ID, valid_until: null }],
    failed: [],
    expired: [],
    missing: [],
  },
};

describe('mcpctl marketplace list', () => {
  it('when -q and a limit above the cap are given, then both reach the API as given and the row shows the promotion', async () => {
    stub.on('GET', '/api/marketplace', { body: { items: [entry], next_cursor: 'more' } });

    const result = await cli('marketplace', 'list', '-q', 'router', '--limit', '500');

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({ q: 'router', limit: '500' });
    expect(result.stdout).toMatch(/github-router.*Router.*gold:Router.*succeeded/);
    expect(result.stdout).toMatch(/sha256:4f53cda18c2b .*linux\/amd64, linux\/arm64.*production \(active\)/);
    expect(result.stdout).toContain('More entries exist: pass --all to list them.');
  });
});

describe('mcpctl marketplace get', () => {
  it('when an entry exists, then its health, certifications, platforms and lineage are printed', async () => {
    stub.on('GET', `/api/marketplace/${ID}`, { body: entry });

    const result = await cli('marketplace', 'get', ID);

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.path).toBe(`/api/marketplace/${ID}`);
    expect(result.stdout).toMatch(/issues .*evaluation-pending:gold:conformance/);
    expect(result.stdout).toMatch(/certified .*gold:security-scan/);
    expect(result.stdout).toMatch(/pending .*gold:conformance/);
    expect(result.stdout).toMatch(/linux\/arm64 .*unconfigured/);
    expect(result.stdout).toMatch(/production .*gold .*active .*lead@example.com/);
  });

  it('when --json is given, then stdout parses to the entry', async () => {
    stub.on('GET', `/api/marketplace/${ID}`, { body: entry });

    const result = await cli('marketplace', 'get', ID, '--json');

    expect(JSON.parse(result.stdout)).toEqual(entry);
  });

  it('when the entry does not exist, then the API message is printed with exit 1', async () => {
    stub.on('GET', `/api/marketplace/${ID}`, {
      status: 404,
      body: {
        error: { code: 'CATALOG_ENTRY_NOT_FOUND', message: `No catalog entry for artifact run ${ID}.` },
      },
    });

    const result = await cli('marketplace', 'get', ID);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `mcpctl: No catalog entry for artifact run ${ID}. (CATALOG_ENTRY_NOT_FOUND)\n`,
    );
  });
});

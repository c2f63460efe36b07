// `mcpctl promotions tracks|history|get|schedule|approve|reject|rollback|blocks` against a stub gateway.
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const track = {
  id: ID2,
  name: 'router-train',
  stages: ['dev', 'staging', 'prod'],
  workflow_id: ID,
  stage_workflows: {},
  stage_tiers: { prod: 'gold' },
  stage_approvals: { prod: { required: 2, role: 'admin', with_role: 1 } },
  description: null,
  owner: 'ops@example.com',
  version: 1,
  created_at: AT,
  updated_at: AT,
};
const promotion = (over: Record<string, unknown> = {}) => ({
  id: ID,
  track_id: ID2,
  manifest_digest: DIGEST,
  stage: 'prod',
  tier: 'gold',
  artifact_run_id: null,
  status: 'scheduled',
  governance_run_id: ID2,
  run_status: null,
  approvals_required: 2,
  approval_role: 'admin',
  approvals_with_role: 1,
  note: null,
  reason: null,
  scheduled_by: 'ops@example.com',
  rollback: false,
  rollback_of: null,
  version: 1,
  created_at: AT,
  updated_at: AT,
  activated_at: null,
  approvals: [],
  audit_log: [],
  ...over,
});
const block = {
  id: ID,
  track_id: ID2,
  manifest_digest: DIGEST,
  kind: 'rejected',
  promotion_id: ID2,
  reason: 'rejected by lead@example.com',
  placed_by: 'lead@example.com',
  created_at: AT,
  lifted_by: null,
  lifted_at: null,
  lift_note: null,
};

describe('mcpctl promotions tracks', () => {
  it('when tracks are listed, then each is a row with its stages and approval rules', async () => {
    stub.on('GET', '/api/promotions/tracks', { body: { items: [track], next_cursor: null } });

    const result = await cli('promotions', 'tracks', 'list');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/router-train.*dev → staging → prod\(2 admin\).*ops@example\.com/);
  });

  it('when a track is created with stages, tiers and approvals, then the body uses the API names', async () => {
    stub.on('POST', '/api/promotions/tracks', { status: 201, body: track });

    const result = await cli(
      'promotions',
      'tracks',
      'create',
      'router-train',
      '--stage',
      'dev',
      '--stage',
      'staging',
      '--stage',
      'prod',
      '--workflow-id',
      ID,
      '--stage-tier',
      'prod=gold',
      '--approvals',
      'prod=2:admin',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({
      name: 'router-train',
      stages: ['dev', 'staging', 'prod'],
      workflow_id: ID,
      stage_tiers: { prod: 'gold' },
      stage_approvals: { prod: { required: 2, role: 'admin' } },
    });
  });

  it('when an approval rule is malformed, then commander refuses it before any call', async () => {
    const result = await cli(
      'promotions',
      'tracks',
      'create',
      'x',
      '--stage',
      'dev',
      '--approvals',
      'dev=two',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('expected STAGE=N, STAGE=N:ROLE or STAGE=N:ROLE:M.');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl promotions schedule|approve|reject|rollback', () => {
  it('when a digest is scheduled, then the positional arguments become the body and the promotion is shown', async () => {
    stub.on('POST', '/api/promotions/schedule', { status: 201, body: promotion() });

    const result = await cli('promotions', 'schedule', ID2, DIGEST, 'prod', '--note', 'weekly train');

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({
      track_id: ID2,
      manifest_digest: DIGEST,
      stage: 'prod',
      note: 'weekly train',
    });
    expect(result.stdout).toMatch(/prod.*sha256:cdcdcdcdcdcd.*scheduled/);
  });

  it('when the stage is out of order, then the API message passes through with exit 1', async () => {
    stub.on('POST', '/api/promotions/schedule', {
      status: 409,
      body: {
        error: {
          code: 'STAGE_OUT_OF_ORDER',
          message: `Digest ${DIGEST} is not active in stage "staging", which comes before "prod".`,
        },
      },
    });
    const result = await cli('promotions', 'schedule', ID2, DIGEST, 'prod');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('which comes before "prod". (STAGE_OUT_OF_ORDER)');
  });

  it('when a promotion is approved, then the note and version are sent and the approvals are listed', async () => {
    stub.on('POST', `/api/promotions/${ID}/approve`, {
      body: promotion({
        approvals: [
          { approver: 'lead@example.com', role: 'admin', decision: 'approved', note: 'ok', created_at: AT },
        ],
      }),
    });

    const result = await cli('promotions', 'approve', ID, '--note', 'ok', '--version', '1');

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({ note: 'ok', version: 1 });
    expect(result.stdout).toMatch(/lead@example\.com.*admin.*approved.*ok/);
  });

  it('when the requester approves their own promotion, then the refusal passes through', async () => {
    stub.on('POST', `/api/promotions/${ID}/approve`, {
      status: 403,
      body: {
        error: {
          code: 'SELF_APPROVAL',
          message: `ops@example.com scheduled promotion ${ID} and cannot approve it.`,
        },
      },
    });
    const result = await cli('promotions', 'approve', ID);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot approve it. (SELF_APPROVAL)');
  });

  it('when a promotion is rejected with --json, then the body is printed as is', async () => {
    const rejected = promotion({ status: 'rejected', reason: 'rejected by lead@example.com: CVE' });
    stub.on('POST', `/api/promotions/${ID}/reject`, { body: rejected });

    const result = await cli('promotions', 'reject', ID, '--note', 'CVE', '--json');

    expect(stub.requests[0]?.body).toEqual({ note: 'CVE' });
    expect(JSON.parse(result.stdout)).toEqual(rejected);
  });

  it('when a stage is rolled back, then the rollback record is shown as such', async () => {
    stub.on('POST', '/api/promotions/rollback', {
      status: 201,
      body: promotion({ status: 'active', rollback: true, rollback_of: ID2, governance_run_id: null }),
    });

    const result = await cli('promotions', 'rollback', ID2, 'prod', '--note', 'errors');

    expect(stub.requests[0]?.body).toEqual({ track_id: ID2, stage: 'prod', note: 'errors' });
    expect(result.stdout).toContain('active (rollback)');
  });
});

describe('mcpctl promotions history|get|blocks', () => {
  it('when history is filtered, then --track-id and --manifest map to the API names', async () => {
    stub.on('GET', '/api/promotions/history', { body: { items: [promotion()], next_cursor: null } });

    const result = await cli(
      'promotions',
      'history',
      '--track-id',
      ID2,
      '--manifest',
      DIGEST,
      '--status',
      'scheduled',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({
      track_id: ID2,
      manifest_digest: DIGEST,
      status: 'scheduled',
    });
    expect(result.stdout).toContain(ID);
  });

  it('when a promotion is read, then its reason is shown', async () => {
    stub.on('GET', `/api/promotions/${ID}`, {
      body: promotion({ status: 'rolled_back', reason: 'governance run failed' }),
    });
    const result = await cli('promotions', 'get', ID);
    expect(result.stdout).toContain('Reason: governance run failed');
  });

  it('when blocks are listed with --lifted, then lifted ones are asked for too', async () => {
    stub.on('GET', '/api/promotions/blocks', { body: { items: [block], next_cursor: null } });

    const result = await cli('promotions', 'blocks', 'list', '--track-id', ID2, '--lifted');

    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({ track_id: ID2, active: 'false' });
    expect(result.stdout).toMatch(/rejected.*lead@example\.com/);
  });

  it('when a block is lifted by a non-admin, then the refusal passes through', async () => {
    stub.on('POST', `/api/promotions/blocks/${ID}/lift`, {
      status: 403,
      body: { error: { code: 'ADMIN_REQUIRED', message: 'Only an admin may lift a block.' } },
    });
    const result = await cli('promotions', 'blocks', 'lift', ID, '--note', 'fixed');
    expect(stub.requests[0]?.body).toEqual({ note: 'fixed' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: Only an admin may lift a block. (ADMIN_REQUIRED)\n');
  });
});

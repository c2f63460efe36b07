// `mcpctl evaluations list|retry|submit` against a stub gateway.
import { EVENT_EXAMPLES, type EvaluationCertificationView } from '@mcp-host/contracts';
import { ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (args: string[], readFile: (path: string) => string | undefined = () => undefined) =>
  runCli([...args, '--url', stub.url, '--token', TOKEN], { readFile });

const cert: EvaluationCertificationView = {
  ...EVENT_EXAMPLES['evaluation.certification.upserted'],
  server_id: ID2,
  version: 2,
  effective_status: 'expired',
};

describe('mcpctl evaluations list', () => {
  it('when filters are given, then they use the API names and each certification is a row with what it reads as', async () => {
    stub.on('GET', '/api/evaluations', { body: { items: [cert], next_cursor: null } });

    const result = await cli([
      'evaluations',
      'list',
      '--status',
      'expired',
      '--tier',
      'gold',
      '--requirement',
      'security-scan',
      '--server-id',
      ID2,
      '--artifact-run-id',
      ID,
      '--limit',
      '10',
    ]);

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({
      status: 'expired',
      tier: 'gold',
      policy_requirement: 'security-scan',
      server_id: ID2,
      artifact_run_id: ID,
      limit: '10',
    });
    expect(result.stdout).toMatch(
      new RegExp(`${cert.id}.*gold.*security-scan.*expired.*sha256:4f53cda18c2b`),
    );
  });

  it('when --all and --json are given, then every page is fetched and stdout parses', async () => {
    stub.on('GET', '/api/evaluations', (req) =>
      req.query.get('cursor') === 'next'
        ? { body: { items: [{ ...cert, id: ID2 }], next_cursor: null } }
        : { body: { items: [cert], next_cursor: 'next' } },
    );

    const result = await cli(['evaluations', 'list', '--all', '--json']);

    expect(JSON.parse(result.stdout).items.map((c: { id: string }) => c.id)).toEqual([cert.id, ID2]);
  });

  it('when the status is not one the API knows, then it exits non-zero before calling', async () => {
    const result = await cli(['evaluations', 'list', '--status', 'passed']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('passed');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl evaluations retry', () => {
  it('when retried with a version, then the body carries it and the pending certification is printed', async () => {
    const pending = {
      ...cert,
      status: 'pending',
      effective_status: 'pending',
      valid_from: null,
      valid_until: null,
    };
    stub.on('POST', `/api/evaluations/${cert.id}/retry`, { body: { ...pending, version: 3 } });

    const result = await cli(['evaluations', 'retry', cert.id, '--version', '2']);

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({ version: 2 });
    expect(result.stdout).toMatch(/status .*pending/);
    expect(result.stdout).toMatch(/version .*3/);
  });

  it('when the version is stale, then the API message is printed with exit 1', async () => {
    stub.on('POST', `/api/evaluations/${cert.id}/retry`, {
      status: 409,
      body: { error: { code: 'VERSION_CONFLICT', message: 'Evaluation is at version 3, not 2.' } },
    });

    const result = await cli(['evaluations', 'retry', cert.id, '--version', '2', '--json']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: Evaluation is at version 3, not 2. (VERSION_CONFLICT)\n');
  });
});

describe('mcpctl evaluations submit', () => {
  it('when a result with evidence and a deadline is submitted, then the body has the API names', async () => {
    stub.on('POST', `/api/artifacts/${ID}/evaluations`, { body: { ...cert, effective_status: 'pass' } });

    const result = await cli(
      [
        'evaluations',
        'submit',
        ID,
        '--tier',
        'gold',
        '--requirement',
        'security-scan',
        '--status',
        'pass',
        '--evidence',
        'report.json',
        '--valid-until',
        '2026-12-31T00:00:00Z',
      ],
      (path) => (path === 'report.json' ? '{"report":"https://ci.example/1"}' : undefined),
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({
      tier: 'gold',
      policy_requirement: 'security-scan',
      status: 'pass',
      evidence: { report: 'https://ci.example/1' },
      valid_until: '2026-12-31T00:00:00.000Z',
    });
    expect(result.stdout).toMatch(/requirement .*security-scan/);
  });

  it('when the evidence file is not a JSON object, then it exits 1 without calling the API', async () => {
    const result = await cli(
      [
        'evaluations',
        'submit',
        ID,
        '--tier',
        'gold',
        '--requirement',
        'r',
        '--status',
        'pass',
        '--evidence',
        'e',
      ],
      () => '[1, 2]',
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: The evidence file e must hold a JSON object.\n');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the digest contradicts the ledger, then the API message is printed with exit 1', async () => {
    stub.on('POST', `/api/artifacts/${ID}/evaluations`, {
      status: 422,
      body: { error: { code: 'DIGEST_MISMATCH', message: 'Digest sha256:ff is not the ledger digest.' } },
    });

    const result = await cli([
      'evaluations',
      'submit',
      ID,
      '--tier',
      'gold',
      '--requirement',
      'r',
      '--status',
      'fail',
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: Digest sha256:ff is not the ledger digest. (DIGEST_MISMATCH)\n');
  });
});

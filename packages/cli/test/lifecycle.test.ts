// `mcpctl lifecycle list|watch` against a stub gateway, and against a stub SSE stream that drops once.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const DIGEST = `sha256:${'ab12cd34ef56'.repeat(5)}abcd`;
const LOG_DIGEST = `sha256:${'9f8e7d6c5b4a'.repeat(5)}0123`;
const PROMOTION = '2d8e9f20-5b3c-4e77-9f50-4c9d1e3f6071';
const RUN = '3e9fa031-6c4d-4f88-a061-5dae2f407182';

const run = (extra: Record<string, unknown> = {}) => ({
  run_id: RUN,
  playbook: 'restart-vm',
  status: 'succeeded',
  attempt: 3,
  retries: 2,
  ledger: ['1:failed:timeout', '2:failed:timeout', '3:succeeded'],
  duration_ms: 12_345,
  duration_seconds: 12,
  override_actor: 'alice@example.com',
  override_actors: ['alice@example.com', 'bob@example.com'],
  promotion_verdict_ref: `promotion:${PROMOTION}:active`,
  artifact_fingerprint: LOG_DIGEST,
  artifact_fingerprints: [LOG_DIGEST, DIGEST],
  ledger_summary: '3 builds, 2 succeeded',
  trust_posture: 'healthy/active',
  marketplace_readiness: 'ready',
  provenance: { playbook: 'restart-vm', executor_type: 'shell', owner: null, trust: { source: 'attestor' } },
  started_at: AT,
  completed_at: AT,
  ...extra,
});

const snapshot = (extra: Record<string, unknown> = {}) => ({
  server_id: ID,
  server_name: 'router',
  lifecycle_state: 'active',
  owner_id: 'team-a',
  promotion_lane: 'train/prod',
  manifest_digest: DIGEST,
  artifact_run_id: ID2,
  gate_verdicts: ['ledger:succeeded', 'promotion:active'],
  trust_posture: 'healthy/active',
  marketplace_readiness: 'ready',
  active_promotion_id: PROMOTION,
  recent_remediation_runs: [run()],
  version: 4,
  updated_at: AT,
  retries_total: 2,
  ledger: {
    artifacts: 3,
    succeeded: 2,
    latest_digest: DIGEST,
    latest_status: 'succeeded',
    latest_completed_at: AT,
  },
  provenance: { artifact_run_id: ID2, manifest_digest: DIGEST, vm_instance_id: null },
  ...extra,
});

describe('mcpctl lifecycle list', () => {
  it('when filters are given, then they use the API names and each run is a row with its analytics', async () => {
    stub.on('GET', '/api/lifecycle', {
      body: {
        items: [
          snapshot(),
          snapshot({
            server_id: ID2,
            server_name: 'weather',
            recent_remediation_runs: [],
            retries_total: 0,
            ledger: {
              artifacts: 1,
              succeeded: 1,
              latest_digest: null,
              latest_status: null,
              latest_completed_at: null,
            },
          }),
        ],
        next_cursor: 'more',
      },
    });

    const result = await cli(
      'lifecycle',
      'list',
      '--lifecycle-state',
      'active',
      '--owner-id',
      'team-a',
      '--promotion-lane',
      'train/prod',
      '--limit',
      '2',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({
      lifecycle_state: 'active',
      owner_id: 'team-a',
      promotion_lane: 'train/prod',
      limit: '2',
    });
    const out = result.stdout;
    for (const header of [
      'ATTEMPT',
      'RETRIES',
      'LEDGER',
      'DURATION',
      'OVERRIDES',
      'VERDICT',
      'FINGERPRINT',
      'TRUST',
      'READINESS',
      'PROVENANCE',
    ])
      expect(out).toContain(header);
    expect(out).toMatch(
      /router\s*│ active\s*│ train\/prod\s*│ restart-vm succeeded\s*│ 3\s*│ 2\s*│ 3 builds, 2 succeeded\s*│ 12 s \(12345 ms\)\s*│ alice@example\.com, bob@example\.com\s*│ promotion:2d8e9f20-\S+:active\s*│ sha256:9f8e7d6c5b4a\s*│ healthy\/active\s*│ ready\s*│ playbook=restart-vm/,
    );
    // The retry ledger and the second fingerprint continue the run's row on the lines below.
    expect(out).toContain('1:failed:timeout');
    expect(out).toContain('3:succeeded');
    expect(out).toContain('sha256:ab12cd34ef56');
    expect(out).not.toContain(DIGEST);
    expect(out).toContain('executor_type=shell');
    expect(out).toContain('trust={source}');
    expect(out).not.toContain('owner=');
    // A server without runs is one row with its own ledger, verdict and posture.
    expect(out).toMatch(
      /weather\s*│ active\s*│ train\/prod\s*│ -\s*│ -\s*│ 0\s*│ 1 build, 1 succeeded\s*│ -\s*│ -\s*│ -\s*│ sha256:ab12cd34ef56/,
    );
    expect(out).toContain('More servers exist: pass --all to list them.');
  });

  it('when --all and --json are given, then it follows next_cursor and prints every snapshot raw', async () => {
    const first = snapshot();
    const second = snapshot({ server_id: ID2, server_name: 'weather' });
    stub.on('GET', '/api/lifecycle', (req) =>
      req.query.get('cursor') === 'page-2'
        ? { body: { items: [second], next_cursor: null } }
        : { body: { items: [first], next_cursor: 'page-2' } },
    );

    const result = await cli('lifecycle', 'list', '--all', '--json');

    expect(result.code).toBe(0);
    expect(stub.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'page-2']);
    expect(JSON.parse(result.stdout)).toEqual({ items: [first, second], next_cursor: null });
  });

  it('when the API text holds escape sequences, then the table shows them escaped', async () => {
    stub.on('GET', '/api/lifecycle', {
      body: {
        items: [snapshot({ server_name: 'evil\u001b[2J\u202e', recent_remediation_runs: [] })],
        next_cursor: null,
      },
    });

    const result = await cli('lifecycle', 'list');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('evil\\x1b[2J\\u202e');
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout).not.toContain('\u202e');
  });

  it('when nothing matches, then it says so', async () => {
    stub.on('GET', '/api/lifecycle', { body: { items: [], next_cursor: null } });
    const result = await cli('lifecycle', 'list');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No lifecycle snapshots.');
  });

  it('when the lifecycle state is not one the console knows, then it exits without calling the API', async () => {
    const result = await cli('lifecycle', 'list', '--lifecycle-state', 'sleeping');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('sleeping');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the API refuses the cursor, then its message is passed through with exit 1', async () => {
    stub.on('GET', '/api/lifecycle', {
      status: 400,
      body: { error: { code: 'INVALID_CURSOR', message: 'cursor is not one this API returned' } },
    });
    const result = await cli('lifecycle', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: cursor is not one this API returned (INVALID_CURSOR)\n');
  });

  it('when the answer is not a lifecycle page, then it fails naming the route', async () => {
    stub.on('GET', '/api/lifecycle', { body: { items: [{ server_id: 'x' }], next_cursor: null } });
    const result = await cli('lifecycle', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('GET /api/lifecycle');
  });
});

describe('mcpctl lifecycle watch', () => {
  let http: HttpServer;
  let url = '';
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const delta = (version: number, extra: Record<string, unknown> = {}) =>
    snapshot({
      version,
      lifecycle_state: 'promoting',
      delta: { changed: ['lifecycle_state', 'promotion'], previous_version: version - 1 },
      heartbeat: { sequence: version, emitted_at: AT },
      ...extra,
    });
  const frame = (id: string, data: unknown) =>
    `id: ${id}\nevent: lifecycle.snapshot.updated\ndata: ${JSON.stringify(data)}\n\n`;

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write(': heartbeat\n\n');
        // A delta of another owner (a gateway that did not filter) is skipped, its id still counts as seen.
        res.write(frame('d0', delta(2, { server_id: randomUUID(), owner_id: 'team-b' })));
        res.end(frame('d1', delta(5)));
      } else {
        res.write(frame('d2', delta(6, { delta: { changed: ['remediation'], previous_version: 5 } })));
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    seen.length = 0;
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  const watch = (...args: string[]) =>
    runCli([
      'lifecycle',
      'watch',
      '--owner-id',
      'team-a',
      '--count',
      '2',
      ...args,
      '--url',
      url,
      '--token',
      TOKEN,
    ]);

  it('when the stream drops, then watch resumes with Last-Event-ID and prints each delta once', async () => {
    const result = await watch('--lifecycle-state', 'promoting', '--promotion-lane', 'train/prod');

    expect(result.code).toBe(0);
    const path =
      '/api/lifecycle/stream?lifecycle_state=promoting&owner_id=team-a&promotion_lane=train%2Fprod';
    expect(seen.map((s) => s.url)).toEqual([path, path]);
    expect(seen[0].headers['last-event-id']).toBeUndefined();
    expect(seen[1].headers['last-event-id']).toBe('d1');
    expect(seen[1].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${AT} router ${ID} v5 promoting changed=lifecycle_state,promotion lane=train/prod gates=ledger:succeeded,promotion:active trust=healthy/active readiness=ready retries=2`,
      `${AT} router ${ID} v6 promoting changed=remediation lane=train/prod gates=ledger:succeeded,promotion:active trust=healthy/active readiness=ready retries=2`,
    ]);
    expect(result.stderr).toContain('stream dropped; reconnecting from the last event');
  });

  it('when --json is given, then each delta is one JSON line with its type, id and payload', async () => {
    const result = await watch('--json');

    expect(result.code).toBe(0);
    const lines = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; id: string; data: { version: number } });
    expect(lines.map((l) => [l.type, l.id, l.data.version])).toEqual([
      ['lifecycle.snapshot.updated', 'd1', 5],
      ['lifecycle.snapshot.updated', 'd2', 6],
    ]);
  });
});

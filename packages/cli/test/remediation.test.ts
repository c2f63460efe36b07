// `mcpctl remediation playbooks list`, `remediation runs list|enqueue|approve|artifacts` and `remediation watch`
// against a stub gateway (and a stub SSE stream that drops once).
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);
const DIGEST = `sha256:${'c'.repeat(64)}`;

const run = (extra: Record<string, unknown> = {}) => ({
  id: ID2,
  instance_id: ID,
  playbook: 'restart',
  executor_type: 'restart-server',
  owner: 'oncall',
  status: 'awaiting_approval',
  approval_state: 'pending',
  approver: null,
  notes: null,
  metadata: {},
  payload: { server_id: ID },
  attempt: 1,
  version: 1,
  sla_due_at: AT,
  sla_breached: false,
  failure_reason: null,
  created_at: AT,
  updated_at: AT,
  finished_at: null,
  ...extra,
});

describe('mcpctl remediation playbooks list', () => {
  it('when playbooks exist, then each is a row with executor, approval, SLA and parameters', async () => {
    stub.on('GET', '/api/remediation/playbooks', {
      body: {
        items: [
          {
            name: 'restart',
            executor_type: 'restart-server',
            requires_approval: true,
            sla_seconds: 600,
            parameters: { server_id: 'uuid' },
            description: null,
          },
        ],
      },
    });
    const result = await cli('remediation', 'playbooks', 'list');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/restart\s*│ restart-server\s*│ required\s*│ 600\s*│ server_id/);
  });
});

describe('mcpctl remediation runs', () => {
  it('when listed with filters, then they use the API names and breached runs say so', async () => {
    stub.on('GET', '/api/remediation/runs', {
      body: { items: [run({ sla_breached: true })], next_cursor: null },
    });
    const result = await cli(
      'remediation',
      'runs',
      'list',
      '--instance-id',
      ID,
      '--status',
      'awaiting_approval',
    );
    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({
      instance_id: ID,
      status: 'awaiting_approval',
    });
    expect(result.stdout).toMatch(/awaiting_approval\s*│ pending\s*│ 1\s*│ breached/);
  });

  it('when a run is enqueued, then the body carries instance, playbook, payload, metadata and owner', async () => {
    stub.on('POST', '/api/remediation/runs', { status: 201, body: run() });
    const result = await cli(
      'remediation',
      'runs',
      'enqueue',
      ID,
      'restart',
      '--payload',
      `{"server_id":"${ID}"}`,
      '--metadata',
      '{"ticket":"OPS-1"}',
      '--owner',
      'oncall',
    );
    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      instance_id: ID,
      playbook: 'restart',
      payload: { server_id: ID },
      metadata: { ticket: 'OPS-1' },
      owner: 'oncall',
    });
    expect(result.stdout).toMatch(/status\s*│ awaiting_approval/);
  });

  it('when --payload is not a JSON object, then it is refused before any request', async () => {
    const result = await cli('remediation', 'runs', 'enqueue', ID, 'restart', '--payload', 'nope');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--payload must be a JSON object');
    expect(stub.requests).toHaveLength(0);
  });

  it('when a run is approved with its version, then the decision is sent and the running run shown', async () => {
    stub.on('POST', `/api/remediation/runs/${ID2}/approve`, {
      body: run({ status: 'running', approval_state: 'approved', approver: 'bob', version: 3 }),
    });
    const result = await cli(
      'remediation',
      'runs',
      'approve',
      ID2,
      '--state',
      'approved',
      '--version',
      '1',
      '--notes',
      'go',
    );
    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ approval_state: 'approved', version: 1, notes: 'go' });
    expect(result.stdout).toMatch(/approver\s*│ bob/);
  });

  it('when the version is stale, then exit 1 with the API message', async () => {
    stub.on('POST', `/api/remediation/runs/${ID2}/approve`, {
      status: 409,
      body: { error: { code: 'VERSION_CONFLICT', message: `remediation run ${ID2} is at version 3, not 1` } },
    });
    const result = await cli('remediation', 'runs', 'approve', ID2, '--state', 'rejected', '--version', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: remediation run ${ID2} is at version 3, not 1 (VERSION_CONFLICT)\n`);
  });

  it('when artifacts are listed, then each shows kind, digest and size; --json is the API body', async () => {
    const body = {
      items: [
        { id: ID, run_id: ID2, kind: 'log', digest: DIGEST, size_bytes: 120, metadata: {}, recorded_at: AT },
      ],
    };
    stub.on('GET', `/api/remediation/runs/${ID2}/artifacts`, { body });
    const result = await cli('remediation', 'runs', 'artifacts', ID2);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/log\s*│ sha256:c{12}/);
    expect(result.stdout).toContain('120');
    const json = await cli('remediation', 'runs', 'artifacts', ID2, '--json');
    expect(JSON.parse(json.stdout)).toEqual(body);
  });
});

describe('mcpctl remediation watch', () => {
  let http: HttpServer;
  let url = '';
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const frame = (id: string, type: string, data: unknown) =>
    `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.end(
          frame('r1', 'remediation.run.log', {
            run_id: ID2,
            sequence: 0,
            stream: 'system',
            line: 'restart requested',
            logged_at: AT,
          }),
        );
      } else {
        res.write(
          frame('r2', 'remediation.run.status_changed', {
            run_id: ID2,
            instance_id: ID,
            from_status: 'awaiting_approval',
            to_status: 'awaiting_approval',
            attempt: 1,
            duration_ms: null,
            reason: 'sla_breached',
            version: 2,
            changed_at: AT,
            sla_breached: true,
          }),
        );
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('when the stream drops, then watch resumes with Last-Event-ID and prints logs and status changes once', async () => {
    const result = await runCli([
      'remediation',
      'watch',
      '--run-id',
      ID2,
      '--count',
      '2',
      '--url',
      url,
      '--token',
      TOKEN,
    ]);
    expect(result.code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual([
      `/api/remediation/stream?run_id=${ID2}`,
      `/api/remediation/stream?run_id=${ID2}`,
    ]);
    expect(seen[1].headers['last-event-id']).toBe('r1');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${AT} ${ID2} [system] restart requested`,
      `${AT} ${ID2} awaiting_approval → awaiting_approval (SLA breached) sla_breached`,
    ]);
  });
});

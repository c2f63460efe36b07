// `mcpctl governance workflows start` and `governance runs get|list|transition|watch` against stub gateways.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const run = (over: Record<string, unknown> = {}) => ({
  id: ID,
  workflow_id: ID2,
  tier: 'gold',
  artifact_run_id: null,
  manifest_digest: DIGEST,
  promotion_id: null,
  policy_decision_id: null,
  status: 'pending',
  context: {},
  started_by: 'ops@example.com',
  version: 1,
  created_at: AT,
  updated_at: AT,
  completed_at: null,
  steps: [
    { position: 0, name: 'review', action: null, status: 'pending', updated_at: AT },
    { position: 1, name: 'sign-off', action: null, status: 'pending', updated_at: AT },
  ],
  audit_log: [
    {
      id: 1,
      step_position: null,
      from_status: null,
      to_status: 'pending',
      note: 'run started',
      actor: 'ops@example.com',
      version: 1,
      created_at: AT,
    },
  ],
  ...over,
});

describe('mcpctl governance workflows start', () => {
  it('when a digest and a context are given, then the run is started with them and shown with its steps', async () => {
    stub.on('POST', `/api/governance/workflows/${ID2}/runs`, { status: 201, body: run() });

    const result = await cli(
      'governance',
      'workflows',
      'start',
      ID2,
      '--manifest-digest',
      DIGEST,
      '--context',
      '{"ticket":"CHG-1"}',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({ manifest_digest: DIGEST, context: { ticket: 'CHG-1' } });
    expect(result.stdout).toMatch(/status\s*│ pending/);
    expect(result.stdout).toMatch(/1 .*│ sign-off .*│ pending/);
  });

  it('when neither a digest nor an artifact run is given, then it fails before calling the API', async () => {
    const result = await cli('governance', 'workflows', 'start', ID2);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Pass --artifact-run-id, --manifest-digest or both.');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the context is not a JSON object, then commander refuses it', async () => {
    const result = await cli(
      'governance',
      'workflows',
      'start',
      ID2,
      '--manifest-digest',
      DIGEST,
      '--context',
      '[1]',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must be a JSON object');
  });

  it('when the workflow is unknown, then the API message is printed with exit 1', async () => {
    stub.on('POST', `/api/governance/workflows/${ID2}/runs`, {
      status: 404,
      body: { error: { code: 'WORKFLOW_NOT_FOUND', message: `No workflow with id ${ID2}.` } },
    });
    const result = await cli('governance', 'workflows', 'start', ID2, '--manifest-digest', DIGEST);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: No workflow with id ${ID2}. (WORKFLOW_NOT_FOUND)\n`);
  });
});

describe('mcpctl governance runs', () => {
  it('when get is asked for, then the run, its steps and its audit log are shown; --json prints the body', async () => {
    stub.on('GET', `/api/governance/runs/${ID}`, { body: run() });

    const table = await cli('governance', 'runs', 'get', ID);
    const json = await cli('governance', 'runs', 'get', ID, '--json');

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/run started/);
    expect(table.stdout).toMatch(/ops@example\.com/);
    expect(JSON.parse(json.stdout)).toEqual(run());
  });

  it('when list has filters, then they use the API names and each run is a row', async () => {
    stub.on('GET', '/api/governance/runs', {
      body: { items: [run({ audit_log: undefined })], next_cursor: 'abc' },
    });

    const result = await cli(
      'governance',
      'runs',
      'list',
      '--workflow-id',
      ID2,
      '--status',
      'pending',
      '--manifest-digest',
      DIGEST,
      '--tier',
      'gold',
      '--limit',
      '1',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0]?.query ?? [])).toEqual({
      workflow_id: ID2,
      status: 'pending',
      manifest_digest: DIGEST,
      tier: 'gold',
      limit: '1',
    });
    expect(result.stdout).toMatch(new RegExp(`${ID}.*gold.*pending.*sha256:abababababab.*review:pending`));
    expect(result.stdout).toContain('More runs exist: pass --all to list them.');
  });

  it('when a step is transitioned with a note and a version, then the body carries them', async () => {
    stub.on('POST', `/api/governance/runs/${ID}/status`, {
      body: run({ status: 'in_progress', version: 3 }),
    });

    const result = await cli(
      'governance',
      'runs',
      'transition',
      ID,
      '--status',
      'succeeded',
      '--step',
      '0',
      '--note',
      'clean scan',
      '--version',
      '2',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0]?.body).toEqual({
      status: 'succeeded',
      step_position: 0,
      note: 'clean scan',
      version: 2,
    });
  });

  it('when the transition is refused, then the API message passes through with exit 1', async () => {
    stub.on('POST', `/api/governance/runs/${ID}/status`, {
      status: 409,
      body: {
        error: {
          code: 'INVALID_TRANSITION',
          message: 'The run cannot move from succeeded to in_progress: succeeded is final.',
        },
      },
    });
    const result = await cli('governance', 'runs', 'transition', ID, '--status', 'in_progress');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: The run cannot move from succeeded to in_progress: succeeded is final. (INVALID_TRANSITION)\n',
    );
  });

  it('when the status is not one the API knows, then commander refuses it before any call', async () => {
    const result = await cli('governance', 'runs', 'transition', ID, '--status', 'done');
    expect(result.code).toBe(1);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl governance runs watch', () => {
  let server: Server;
  let url = '';
  const streamRequests: IncomingHttpHeaders[] = [];

  const frame = (id: string, type: string, data: unknown) =>
    `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const transitioned = (version: number, from: string, to: string) => ({
    run_id: ID,
    workflow_id: ID2,
    from_status: from,
    to_status: to,
    step: null,
    note: null,
    actor: 'ops@example.com',
    version,
    transitioned_at: AT,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === `/api/governance/runs/${ID2}/stream`) {
        // The snapshot of a final run, then the stream stays open with nothing to say: only a watch that stops at
        // a final snapshot ends.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(frame('s0', 'snapshot', run({ id: ID2, version: 5, status: 'succeeded' })));
        res.write(': heartbeat\n\n');
        return;
      }
      if (req.url === `/api/governance/runs/${ID}/stream`) {
        streamRequests.push(req.headers);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (streamRequests.length === 1) {
          // The snapshot, an old transition it already covers, one new one, then the connection drops.
          res.write(frame('c0', 'snapshot', run({ version: 2, status: 'pending' })));
          res.write(': heartbeat\n\n');
          res.write(frame('c1', 'governance.run.transitioned', transitioned(2, 'pending', 'pending')));
          res.write(frame('c2', 'governance.run.transitioned', transitioned(3, 'pending', 'in_progress')));
          res.end();
        } else {
          res.write(frame('c3', 'governance.run.transitioned', transitioned(4, 'in_progress', 'succeeded')));
          res.write(
            frame('c4', 'governance.run.completed', {
              run_id: ID,
              workflow_id: ID2,
              status: 'succeeded',
              version: 4,
            }),
          );
        }
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('when the stream drops, then watch reconnects with Last-Event-ID, shows each new transition once and ends at completion', async () => {
    const result = await runCli(['governance', 'runs', 'watch', ID, '--url', url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(streamRequests).toHaveLength(2);
    expect(streamRequests[0]['last-event-id']).toBeUndefined();
    expect(streamRequests[1]['last-event-id']).toBe('c2');
    expect(streamRequests[1].authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${ID} pending (version 2)`,
      `${ID} pending → in_progress by ops@example.com`,
      `${ID} in_progress → succeeded by ops@example.com`,
      `${ID} completed: succeeded`,
    ]);
    expect(result.stderr).toContain('stream dropped; reconnecting from the last event');
  });

  it('when the run is already final, then watch prints the snapshot and ends without waiting for the stream', async () => {
    const result = await runCli(['governance', 'runs', 'watch', ID2, '--url', url, '--token', TOKEN]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${ID2} succeeded (version 5)\n`);
  });
});

// `mcpctl policy decisions|decision|watch` against a stub gateway (and a stub SSE stream that drops once).
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);
const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

const decision = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  server_id: ID,
  backend: 'docker',
  candidate_backend: 'docker',
  image: `127.0.0.1:5000/mcp/weather@${DIGEST}`,
  requires_build: false,
  capability_requirements: [],
  capabilities_satisfied: true,
  executor_name: 'docker-local',
  manifest_digest: DIGEST,
  artifact_run_id: ID2,
  tier: 'gold',
  policy_notes: ['evaluation:missing:gold:security-scan'],
  evaluation_required: true,
  governance_required: false,
  key_posture: null,
  governance_run_id: null,
  decided_at: AT,
  ...extra,
});

describe('mcpctl policy decisions', () => {
  it('when filters are given, then they use the API names and each decision is a row with its outcome', async () => {
    stub.on('GET', '/api/policy/decisions', {
      body: {
        items: [
          decision(ID2),
          decision(ID, { evaluation_required: false, candidate_backend: 'kubernetes', policy_notes: [] }),
        ],
        next_cursor: 'more',
      },
    });

    const result = await cli(
      'policy',
      'decisions',
      '--server-id',
      ID,
      '--tier',
      'gold',
      '--gated',
      '--limit',
      '5',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({
      server_id: ID,
      tier: 'gold',
      gated: 'true',
      limit: '5',
    });
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes(ID2) && l.includes('held'))).toMatch(
      /gold.*docker.*docker-local.*held: evaluation/,
    );
    expect(lines.find((l) => l.includes('kubernetes→docker'))).toMatch(/launch/);
    expect(result.stdout).toContain('More decisions exist: pass --all to list them.');
  });

  it('when --all and --json are given, then every page is followed and stdout is the merged page', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [decision(ID)], next_cursor: 'c2' },
      c2: { items: [decision(ID2)], next_cursor: null },
    };
    stub.on('GET', '/api/policy/decisions', (req) => ({ body: pages[req.query.get('cursor') ?? ''] }));

    const result = await cli('policy', 'decisions', '--all', '--json');

    expect(JSON.parse(result.stdout)).toEqual({ items: [decision(ID), decision(ID2)], next_cursor: null });
  });

  it('when one decision is asked for, then its notes are shown; an unknown id exits 1 with the API message', async () => {
    stub.on('GET', `/api/policy/decisions/${ID2}`, { body: decision(ID2) });
    const shown = await cli('policy', 'decision', ID2);
    expect(shown.stdout).toContain('evaluation:missing:gold:security-scan');
    expect(shown.stdout).toMatch(/outcome\s*│ held: evaluation/);

    stub.on('GET', `/api/policy/decisions/${ID}`, {
      status: 404,
      body: { error: { code: 'DECISION_NOT_FOUND', message: `No policy decision with id ${ID}.` } },
    });
    const missing = await cli('policy', 'decision', ID);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`mcpctl: No policy decision with id ${ID}. (DECISION_NOT_FOUND)\n`);
  });
});

describe('mcpctl policy watch', () => {
  let http: HttpServer;
  let url = '';
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const frame = (id: string, data: unknown) =>
    `id: ${id}\nevent: policy.decision.recorded\ndata: ${JSON.stringify(data)}\n\n`;

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write(': heartbeat\n\n');
        res.end(frame('o1', decision(ID2)));
      } else {
        res.write(
          frame('o2', decision(ID, { evaluation_required: false, policy_notes: ['governance:ungated:dev'] })),
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

  it('when the stream drops, then watch resumes with Last-Event-ID and prints each decision once', async () => {
    const result = await runCli([
      'policy',
      'watch',
      '--server-id',
      ID,
      '--count',
      '2',
      '--url',
      url,
      '--token',
      TOKEN,
    ]);

    expect(result.code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual([
      `/api/policy/stream?server_id=${ID}`,
      `/api/policy/stream?server_id=${ID}`,
    ]);
    expect(seen[1].headers['last-event-id']).toBe('o1');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${AT} ${ID} gold docker held: evaluation evaluation:missing:gold:security-scan`,
      `${AT} ${ID} gold docker launch governance:ungated:dev`,
    ]);
    expect(result.stderr).toContain('stream dropped; reconnecting from the last event');
  });
});

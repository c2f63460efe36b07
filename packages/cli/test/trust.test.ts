// `mcpctl trust registry|get|history|transition|watch` against a stub gateway (and a stub SSE stream that drops once).
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  vm_instance_id: id,
  server_id: ID,
  status: 'verified',
  lifecycle_state: 'running',
  remediation_state: null,
  provenance: null,
  version: 4,
  stale: false,
  last_evidence_at: AT,
  updated_at: AT,
  ...extra,
});

const transition = (version: number, lifecycle: string, status: string, previous: string | null) => ({
  vm_instance_id: ID2,
  server_id: ID,
  status,
  lifecycle_state: lifecycle,
  previous_status: previous ? 'verified' : null,
  previous_lifecycle_state: previous,
  remediation_state: null,
  provenance: null,
  version,
  actor: 'alice',
  reason: 'key compromise',
  transitioned_at: AT,
});

describe('mcpctl trust registry', () => {
  it('when filters are given, then they use the API names and each snapshot is a row', async () => {
    stub.on('GET', '/api/trust/registry', {
      body: {
        items: [entry(ID2), entry(ID, { stale: true, lifecycle_state: 'quarantined' })],
        next_cursor: 'more',
      },
    });

    const result = await cli(
      'trust',
      'registry',
      '--server-id',
      ID,
      '--lifecycle',
      'running',
      '--status',
      'verified',
      '--stale',
    );

    expect(result.code).toBe(0);
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({
      server_id: ID,
      lifecycle: 'running',
      status: 'verified',
      stale: 'true',
    });
    expect(result.stdout).toMatch(/running\s*│ verified\s*│ -\s*│ 4\s*│ fresh/);
    expect(result.stdout).toMatch(/quarantined\s*│ verified\s*│ -\s*│ 4\s*│ stale/);
    expect(result.stdout).toContain('More entries exist: pass --all to list them.');
  });

  it('when --fresh is given, then stale=false is asked; --stale with --fresh is refused', async () => {
    stub.on('GET', '/api/trust/registry', { body: { items: [], next_cursor: null } });
    const fresh = await cli('trust', 'registry', '--fresh');
    expect(fresh.code).toBe(0);
    expect(stub.requests[0].query.get('stale')).toBe('false');
    expect(fresh.stdout).toContain('No trust registry entries.');
    const both = await cli('trust', 'registry', '--fresh', '--stale');
    expect(both.code).not.toBe(0);
  });
});

describe('mcpctl trust get and history', () => {
  it('when an instance exists, then its lifecycle, remediation and provenance are shown', async () => {
    stub.on('GET', `/api/trust/registry/${ID2}`, {
      body: entry(ID2, { remediation_state: 'open', provenance: { run: 'r1' } }),
    });
    const result = await cli('trust', 'get', ID2);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/remediation\s*│ open/);
    expect(result.stdout).toContain('{"run":"r1"}');
  });

  it('when --json is given, then stdout is the API body', async () => {
    stub.on('GET', `/api/trust/registry/${ID2}`, { body: entry(ID2) });
    const result = await cli('trust', 'get', ID2, '--json');
    expect(JSON.parse(result.stdout)).toEqual(entry(ID2));
  });

  it('when history is asked with --limit, then each transition is a row from → to', async () => {
    const {
      vm_instance_id: _id,
      server_id: _s,
      remediation_state: _r,
      provenance: _p,
      ...h
    } = transition(2, 'quarantined', 'revoked', 'running');
    stub.on('GET', `/api/trust/registry/${ID2}/history`, { body: { vm_instance_id: ID2, items: [h] } });
    const result = await cli('trust', 'history', ID2, '--limit', '5');
    expect(result.code).toBe(0);
    expect(stub.requests[0].query.get('limit')).toBe('5');
    expect(result.stdout).toMatch(/verified\/running\s*│ revoked\/quarantined\s*│ alice\s*│ key compromise/);
  });

  it('when the instance is unknown, then exit 1 with the API message', async () => {
    stub.on('GET', `/api/trust/registry/${ID2}`, {
      status: 404,
      body: {
        error: { code: 'TRUST_ENTRY_NOT_FOUND', message: `no trust registry entry for VM instance ${ID2}` },
      },
    });
    const result = await cli('trust', 'get', ID2);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `mcpctl: no trust registry entry for VM instance ${ID2} (TRUST_ENTRY_NOT_FOUND)\n`,
    );
  });
});

describe('mcpctl trust transition', () => {
  it('when flags are given, then the body carries them and the moved snapshot is shown', async () => {
    stub.on('POST', `/api/trust/registry/${ID2}/transition`, {
      body: entry(ID2, { status: 'revoked', lifecycle_state: 'quarantined', version: 5 }),
    });
    const result = await cli(
      'trust',
      'transition',
      ID2,
      '--status',
      'revoked',
      '--lifecycle',
      'quarantined',
      '--expected-version',
      '4',
      '--reason',
      'key compromise',
      '--provenance',
      '{"ticket":"SEC-1"}',
    );
    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      status: 'revoked',
      lifecycle_state: 'quarantined',
      expected_version: 4,
      reason: 'key compromise',
      provenance: { ticket: 'SEC-1' },
    });
    expect(result.stdout).toMatch(/lifecycle\s*│ quarantined/);
  });

  it('when the version is stale, then exit 1 with the API message', async () => {
    stub.on('POST', `/api/trust/registry/${ID2}/transition`, {
      status: 409,
      body: { error: { code: 'VERSION_CONFLICT', message: `VM instance ${ID2} is at version 5, not 4` } },
    });
    const result = await cli(
      'trust',
      'transition',
      ID2,
      '--status',
      'revoked',
      '--lifecycle',
      'quarantined',
      '--expected-version',
      '4',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: VM instance ${ID2} is at version 5, not 4 (VERSION_CONFLICT)\n`);
  });

  it('when --provenance is not a JSON object, then it is refused before any request', async () => {
    const result = await cli(
      'trust',
      'transition',
      ID2,
      '--status',
      'revoked',
      '--lifecycle',
      'quarantined',
      '--provenance',
      '[1]',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--provenance must be a JSON object');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('mcpctl trust watch', () => {
  let http: HttpServer;
  let url = '';
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const frame = (id: string, data: unknown) =>
    `id: ${id}\nevent: trust.registry.transitioned\ndata: ${JSON.stringify(data)}\n\n`;

  beforeAll(async () => {
    http = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        res.write(': heartbeat\n\n');
        res.end(frame('t1', transition(1, 'running', 'verified', null)));
      } else {
        res.write(frame('t2', transition(2, 'quarantined', 'revoked', 'running')));
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('when the stream drops, then watch resumes with Last-Event-ID and prints each transition once', async () => {
    const result = await runCli([
      'trust',
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
      `/api/trust/stream?server_id=${ID}`,
      `/api/trust/stream?server_id=${ID}`,
    ]);
    expect(seen[1].headers['last-event-id']).toBe('t1');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${AT} ${ID2} - → verified/running v1 alice key compromise`,
      `${AT} ${ID2} verified/running → revoked/quarantined v2 alice key compromise`,
    ]);
  });
});

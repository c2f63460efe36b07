// `mcpctl servers start|stop|logs` against a stub gateway (and a stub log stream for --follow).
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);
const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

export const decision = (extra: Record<string, unknown> = {}) => ({
  id: ID2,
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
  policy_notes: ['evaluation:certified:gold:security-scan', `governance:missing-promotion:gold:${DIGEST}`],
  evaluation_required: false,
  governance_required: true,
  key_posture: null,
  governance_run_id: null,
  launch_id: ID2,
  decided_at: AT,
  ...extra,
});

const server = (status: string) => ({
  id: ID,
  name: 'weather',
  server_type: 'Weather',
  source_repository: null,
  source_branch: 'main',
  dockerfile_path: 'Dockerfile',
  tier: 'gold',
  owner: null,
  status,
  version: 4,
  created_at: AT,
  updated_at: AT,
});

describe('mcpctl servers start', () => {
  it('when a gate holds the launch, then the body carries the flags and the table shows the status and notes', async () => {
    stub.on('POST', `/api/servers/${ID}/start`, {
      status: 202,
      body: {
        launch_id: ID2,
        status: 'pending-governance',
        decision: decision(),
        server: server('pending-governance'),
      },
    });

    const result = await cli(
      'servers',
      'start',
      ID,
      '--tier',
      'gold',
      '--backend',
      'docker',
      '--capability',
      'gpu',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ tier: 'gold', backend: 'docker', capabilities: ['gpu'] });
    expect(result.stdout).toMatch(/status\s*│ pending-governance/);
    expect(result.stdout).toMatch(/outcome\s*│ held: governance/);
    expect(result.stdout).toContain(`governance:missing-promotion:gold:${DIGEST}`);
  });

  it('when --json is given, then stdout is the API answer', async () => {
    const body = {
      launch_id: ID2,
      status: 'starting',
      decision: decision({ governance_required: false }),
      server: server('starting'),
    };
    stub.on('POST', `/api/servers/${ID}/start`, { status: 202, body });

    const result = await cli('servers', 'start', ID, '--json');

    expect(stub.requests[0].body).toEqual({});
    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('when the capability is offered by no executor, then the API message is printed with exit 1', async () => {
    stub.on('POST', `/api/servers/${ID}/start`, {
      status: 422,
      body: {
        error: {
          code: 'CAPABILITY_UNAVAILABLE',
          message: 'No executor offers the capability "confidential".',
        },
      },
    });

    const result = await cli('servers', 'start', ID, '--capability', 'confidential');

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: No executor offers the capability "confidential". (CAPABILITY_UNAVAILABLE)\n',
    );
  });
});

describe('mcpctl servers stop', () => {
  it('when the server runs, then it says it stopped it and sends the reason', async () => {
    stub.on('POST', `/api/servers/${ID}/stop`, {
      body: { status: 'stopped', stopped: true, server: server('stopped') },
    });

    const result = await cli('servers', 'stop', ID, '--reason', 'maintenance');

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ reason: 'maintenance' });
    expect(result.stdout).toBe(`Stopped server ${ID}.\n`);
  });

  it('when the server was not running, then it says so and exits 0', async () => {
    stub.on('POST', `/api/servers/${ID}/stop`, {
      body: { status: 'stopped', stopped: false, server: server('stopped') },
    });

    const result = await cli('servers', 'stop', ID);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Server ${ID} was not running (status stopped).\n`);
  });
});

describe('mcpctl servers logs', () => {
  it('when asked for the tail, then each line is printed as is', async () => {
    stub.on('GET', `/api/servers/${ID}/logs`, {
      body: { server_id: ID, backend: 'docker', instance_ref: 'abc', lines: ['first', 'second'] },
    });

    const result = await cli('servers', 'logs', ID, '--tail', '2');

    expect(result.code).toBe(0);
    expect(stub.requests[0].query.get('tail')).toBe('2');
    expect(result.stdout).toBe('first\nsecond\n');
  });

  it('when the server is not running, then the API message is printed with exit 1', async () => {
    stub.on('GET', `/api/servers/${ID}/logs`, {
      status: 409,
      body: {
        error: {
          code: 'SERVER_NOT_RUNNING',
          message: 'Server weather has no running instance (status stopped).',
        },
      },
    });

    const result = await cli('servers', 'logs', ID);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no running instance');
  });

  describe('--follow', () => {
    let http: HttpServer;
    let url = '';
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const frame = (id: string, type: string, data: unknown) =>
      `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

    beforeAll(async () => {
      http = createServer((req, res) => {
        seen.push({ url: req.url ?? '', headers: req.headers });
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': log stream\n\n');
        res.write(frame('1', 'log', { server_id: ID, line: 'weather-server listening on :8080/mcp' }));
        res.write(frame('2', 'log', { server_id: ID, line: 'second line' }));
        res.end(frame('3', 'end', {}));
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });

    it('when following, then each streamed line is printed until the stream ends', async () => {
      const result = await runCli([
        'servers',
        'logs',
        ID,
        '--follow',
        '--tail',
        '5',
        '--url',
        url,
        '--token',
        TOKEN,
      ]);

      expect(result.code).toBe(0);
      expect(seen[0].url).toBe(`/api/servers/${ID}/logs?follow=true&tail=5`);
      expect(seen[0].headers.accept).toBe('text/event-stream');
      expect(result.stdout).toBe('weather-server listening on :8080/mcp\nsecond line\n');
    });
  });
});

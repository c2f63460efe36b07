// `mcpctl policy intelligence SERVER_ID` against a stub gateway: the record with scores and anomaly notes, --json,
// and the API's message for an unknown server.
import { AT, ID, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

const intelligence = {
  server_id: ID,
  status: 'degraded',
  overall_score: 61,
  scores: {
    build_success: 44,
    push_reliability: 89,
    credential_health: 0,
    certification: 100,
    runtime_stability: 70,
  },
  signals: { build_failed: 5, push_retry: 4 },
  anomalies: [
    {
      signal: 'push_retry',
      last_hour: 4,
      baseline_per_hour: 0,
      note: 'anomaly:push_retry: 4 in the last hour against a baseline of 0.00/h (over 3x)',
      detected_at: AT,
    },
  ],
  updated_at: AT,
};

describe('mcpctl policy intelligence', () => {
  it('when a server has intelligence, then its status, scores and anomaly notes are shown', async () => {
    stub.on('GET', `/api/servers/${ID}/intelligence`, { body: intelligence });

    const result = await cli('policy', 'intelligence', ID);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/status\s*│ degraded/);
    expect(result.stdout).toMatch(/build success\s*│ 44/);
    expect(result.stdout).toContain('anomaly:push_retry: 4 in the last hour');
    expect(result.stdout).toContain('build_failed=5 push_retry=4');
  });

  it('when --json is given, then stdout is the API body', async () => {
    stub.on('GET', `/api/servers/${ID}/intelligence`, { body: intelligence });
    const result = await cli('policy', 'intelligence', ID, '--json');
    expect(JSON.parse(result.stdout)).toEqual(intelligence);
  });

  it('when the server is unknown, then exit 1 with the API message', async () => {
    stub.on('GET', `/api/servers/${ID}/intelligence`, {
      status: 404,
      body: { error: { code: 'SERVER_NOT_FOUND', message: `No server with id ${ID}.` } },
    });
    const result = await cli('policy', 'intelligence', ID);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: No server with id ${ID}. (SERVER_NOT_FOUND)\n`);
  });
});

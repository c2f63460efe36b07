// `mcpctl policy vm SERVER_ID` against a stub gateway: one row per instance with its attestation and isolation,
// the refusal reason of a rejected one, --json, and the API's message for an unknown server.
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);
const INSTANCE = '6f1d2c3b-4a59-4e68-9d7c-1b2a3c4d5e6f';

const event = (event_type: string, lifecycle: string, attestation_status: string) => ({
  id: ID2,
  event_type,
  lifecycle,
  attestation_status,
  isolation_tier: 'confidential-vm',
  fallback_reason: null,
  details: {},
  occurred_at: AT,
});

const vm = {
  server_id: ID,
  instances: [
    {
      id: INSTANCE,
      executor_name: 'vm-firecracker',
      decision_id: ID2,
      lifecycle: 'running',
      attestation_status: 'verified',
      isolation_tier: 'confidential-vm',
      measurement: 'a'.repeat(96),
      fallback_reason: null,
      attestation: { failure: null, platform: 'sev-snp' },
      version: 5,
      created_at: AT,
      updated_at: AT,
      events: [event('running', 'running', 'verified'), event('attested', 'trusted', 'verified')],
    },
    {
      id: ID2,
      executor_name: 'vm-firecracker',
      decision_id: null,
      lifecycle: 'rejected',
      attestation_status: 'failed',
      isolation_tier: 'microvm',
      measurement: 'b'.repeat(96),
      fallback_reason: null,
      attestation: { failure: 'measurement_not_allowed' },
      version: 3,
      created_at: AT,
      updated_at: AT,
      events: [event('attestation_failed', 'rejected', 'failed')],
    },
  ],
};

describe('mcpctl policy vm', () => {
  it('when a server has VM instances, then each is a row with lifecycle, attestation, isolation and its last event', async () => {
    stub.on('GET', `/api/servers/${ID}/vm`, { body: vm });

    const result = await cli('policy', 'vm', ID);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(INSTANCE);
    expect(result.stdout).toMatch(/running\s*│ verified\s*│ confidential-vm/);
    expect(result.stdout).toMatch(/rejected\s*│ failed\s*│ microvm/);
    expect(result.stdout).toContain('refused: measurement_not_allowed');
    expect(result.stdout).toContain(`attestation_failed ${AT}`);
  });

  it('when a server has no VM instance, then the empty message is shown', async () => {
    stub.on('GET', `/api/servers/${ID}/vm`, { body: { server_id: ID, instances: [] } });
    const result = await cli('policy', 'vm', ID);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No VM instances for this server.');
  });

  it('when --json is given, then stdout is the API body', async () => {
    stub.on('GET', `/api/servers/${ID}/vm`, { body: vm });
    const result = await cli('policy', 'vm', ID, '--json');
    expect(JSON.parse(result.stdout)).toEqual(vm);
  });

  it('when the server is unknown, then exit 1 with the API message', async () => {
    stub.on('GET', `/api/servers/${ID}/vm`, {
      status: 404,
      body: { error: { code: 'SERVER_NOT_FOUND', message: `server ${ID} not found` } },
    });
    const result = await cli('policy', 'vm', ID);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mcpctl: server ${ID} not found (SERVER_NOT_FOUND)\n`);
  });
});

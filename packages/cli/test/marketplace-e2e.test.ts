// `mcpctl marketplace` and `mcpctl evaluations` end to end against the built standalone host: a real gateway, the
// real marketplace on embedded Postgres and Kafka. The ledger run arrives as the build-service would send it, as an
// `artifact.recorded` event on the embedded broker.
import { randomUUID } from 'node:crypto';
import type { ArtifactRun } from '@mcp-host/contracts';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';

jest.setTimeout(300_000);

let host: StandaloneHost;

beforeAll(async () => {
  host = await startStandaloneHost('marketplace-e2e', { EVALUATION_TIER_REQUIREMENTS: 'gold=security-scan' });
});

afterAll(async () => {
  await host?.stop();
});

const mcpctl = (...args: string[]) => host.mcpctl(...args);

function run(serverId: string, name: string): ArtifactRun {
  const digest = `sha256:${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
  return {
    id: randomUUID(),
    server_id: serverId,
    build_id: randomUUID(),
    source_repo: 'https://git.example/acme/router.git',
    source_branch: 'main',
    source_revision: 'abc123',
    local_image: `mcp-host/${name}:local`,
    registry_image: `registry.example:5000/mcp/${name}:v1`,
    manifest_tag: 'v1',
    manifest_digest: digest,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:01:00.000Z',
    multi_arch: true,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'unconfigured',
    status: 'succeeded',
    platforms: ['linux/amd64', 'linux/arm64'].map((platform) => ({
      platform,
      remote_image: `registry.example:5000/mcp/${name}@${digest}`,
      digest,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'unconfigured',
    })),
  };
}

describe('mcpctl marketplace and evaluations against the standalone host', () => {
  it('when a gold server gets a build, then it is listed, certified through the CLI and reaches gold', async () => {
    const name = `e2e-${Date.now().toString(36)}`;
    const registered = await fetch(`${host.url}/api/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, server_type: 'E2eRouter', tier: 'gold' }),
    });
    expect(registered.status).toBe(201);
    const server = (await registered.json()) as { id: string };
    const artifact = run(server.id, name);
    await host.publish('artifact.recorded', artifact);

    // The new run has one pending certification for the gold requirement, so it is silver until certified.
    const listed = await waitFor(
      async () => {
        const r = await mcpctl('marketplace', 'list', '--server-type', 'E2eRouter', '--json');
        const items = (JSON.parse(r.stdout) as { items: { artifact_run_id: string | null; tier: string }[] })
          .items;
        return items.find((e) => e.artifact_run_id === artifact.id && e.tier === 'silver:E2eRouter');
      },
      { timeoutMs: 30_000, what: 'the run in the catalog with its pending certification' },
    );
    expect(listed).toBeDefined();

    const table = await mcpctl('marketplace', 'list', '-q', name, '--tier', 'SILVER:E2EROUTER');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `${artifact.id}.*${name}.*silver:E2eRouter.*succeeded.*sha256:.{12} .*linux/amd64, linux/arm64`,
      ),
    );

    // The catalog and the evaluations projection read artifact.recorded in their own consumer groups: a run with
    // no certification row yet is silver ("missing") too, so wait for the pending certification itself.
    const cert = await waitFor(
      async () => {
        const pending = await mcpctl('evaluations', 'list', '--artifact-run-id', artifact.id, '--json');
        return (JSON.parse(pending.stdout) as { items: { id: string; status: string; tier: string }[] }).items[0];
      },
      { timeoutMs: 30_000, what: 'the pending gold certification of the new run' },
    );
    expect(cert).toMatchObject({ status: 'pending', tier: 'gold' });

    const submitted = await mcpctl(
      'evaluations',
      'submit',
      artifact.id,
      '--tier',
      'gold',
      '--requirement',
      'security-scan',
      '--status',
      'pass',
      '--valid-until',
      '2099-01-01T00:00:00Z',
    );
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(/status .*pass/);

    const entry = await mcpctl('marketplace', 'get', artifact.id);
    expect(entry.code).toBe(0);
    expect(entry.stdout).toMatch(/tier .*gold:E2eRouter/);
    expect(entry.stdout).toMatch(/certified .*gold:security-scan/);

    const retried = await mcpctl('evaluations', 'retry', cert?.id ?? '');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/status .*pending/);

    const list = await mcpctl('evaluations', 'list', '--server-id', server.id, '--status', 'pending');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${cert?.id}.*gold.*security-scan.*pending`));
  });

  it('when the artifact run is unknown, then submit and get exit 1 with the API message', async () => {
    const missing = randomUUID();
    const submit = await mcpctl(
      'evaluations',
      'submit',
      missing,
      '--tier',
      'gold',
      '--requirement',
      'r',
      '--status',
      'pass',
    );
    expect(submit.code).toBe(1);
    expect(submit.stderr).toBe(`mcpctl: No artifact run ${missing} in the ledger. (ARTIFACT_NOT_FOUND)\n`);

    const get = await mcpctl('marketplace', 'get', missing);
    expect(get.code).toBe(1);
    expect(get.stderr).toBe(
      `mcpctl: No catalog entry for artifact run ${missing}. (CATALOG_ENTRY_NOT_FOUND)\n`,
    );
  });
});

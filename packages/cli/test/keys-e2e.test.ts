// `mcpctl keys`, `mcpctl policy intelligence` and `mcpctl scaffold fetch-config` end to end against the built
// standalone host: the gateway's routes, roles and posture stream in front of the real policy engine.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandaloneHost, type StandaloneHost } from './standalone-host';

jest.setTimeout(300_000);

let host: StandaloneHost;
const dir = mkdtempSync(join(tmpdir(), 'mcpctl-keys-e2e-'));
const bundle = (name: string) => {
  const path = join(dir, `${name}.bin`);
  const bytes = randomBytes(48);
  writeFileSync(path, bytes);
  return { path, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
};

beforeAll(async () => {
  host = await startStandaloneHost('keys-e2e', {
    PROVIDER_KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
});

afterAll(async () => {
  await host?.stop();
});

describe('mcpctl keys against the standalone host', () => {
  it('when a key is registered, rotated, approved and bound, then each step answers through the gateway', async () => {
    const first = bundle('first');
    const registered = await host.mcpctl(
      'keys',
      'register',
      'openai',
      '--alias',
      'prod',
      '--attestation',
      first.path,
      '--rotation-due',
      new Date(Date.now() + 90 * 86_400_000).toISOString(),
      '--json',
    );
    expect(registered.code).toBe(0);
    const key = JSON.parse(registered.stdout) as { id: string; posture: string; attestation_digest: string };
    expect(key).toMatchObject({ posture: 'active', attestation_digest: first.digest });

    const streamed = await host.mcpctl('keys', 'watch', 'openai', '--from-start', '--count', '1', '--json');
    expect(streamed.code).toBe(0);
    expect(JSON.parse(streamed.stdout.trim().split('\n')[0])).toMatchObject({
      type: 'provider_key.posture_changed',
      data: { key_id: key.id, state: 'active' },
    });

    expect((await host.mcpctl('keys', 'get', 'openai', key.id)).stdout).toMatch(/posture\s*│ active/);
    expect((await host.mcpctl('keys', 'list', 'openai')).stdout).toContain(key.id);

    const second = bundle('second');
    const rotated = await host.mcpctl(
      'keys',
      'rotate',
      'openai',
      key.id,
      '--attestation',
      second.path,
      '--actor-ref',
      'ops-a',
    );
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/posture\s*│ rotating/);

    const self = await host.mcpctl('keys', 'approve-rotation', 'openai', key.id, '--actor-ref', 'ops-a');
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('SELF_APPROVAL_FORBIDDEN');
    const approved = await host.mcpctl(
      'keys',
      'approve-rotation',
      'openai',
      key.id,
      '--actor-ref',
      'sec-b',
      '--json',
    );
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      posture: 'active',
      attestation_digest: second.digest,
    });

    const bound = await host.mcpctl(
      'keys',
      'bind',
      'openai',
      key.id,
      '--type',
      'workspace',
      '--target',
      'team-a',
      '--context',
      '{"ticket":"CHG-1"}',
    );
    expect(bound.code).toBe(0);
    expect((await host.mcpctl('keys', 'bindings', 'openai', key.id)).stdout).toMatch(/workspace.*team-a/);

    const mismatch = await host.mcpctl('keys', 'get', 'anthropic', key.id);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('PROVIDER_KEY_NOT_FOUND');
  });

  it('when a server is registered, then policy intelligence and scaffold fetch-config answer for it', async () => {
    const res = await fetch(`${host.url}/api/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
      body: JSON.stringify({ name: `keys-e2e-${Date.now().toString(36)}`, server_type: 'Router' }),
    });
    const server = (await res.json()) as { id: string };
    const intelligence = await host.mcpctl('policy', 'intelligence', server.id);
    expect(intelligence.code).toBe(0);
    expect(intelligence.stdout).toMatch(/status\s*│ unknown/);
    const config = await host.mcpctl('scaffold', 'fetch-config', server.id, '--json');
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({ server_id: server.id, transport: 'streamable-http' });
  });
});

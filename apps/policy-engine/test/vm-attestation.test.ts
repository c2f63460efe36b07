// The VM executor and attestation on real Postgres and the embedded broker, driving a Firecracker stand-in process:
// every kind of bad evidence ends `rejected` and never `trusted`; valid evidence ends `running` on a trusted VM.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { TOPICS, type Server } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  collectEvents,
  createTestDatabase,
  startTestKafka,
  waitFor,
  type EventCollector,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../src';
import { AttestationVerifier } from '../src/vm/attestation.verifier';
import { VmExecutorHost } from '../src/vm/vm-executor.host';
import { VmInstanceService } from '../src/vm/vm-instance.service';
import type { VmConfig } from '../src/vm/vm.config';
import type { VmExecutor } from '../src/vm/vm.executor';
import type { StandInGuest } from './support/firecracker-stand-in';

const GOOD = 'a'.repeat(96);
const OTHER = 'b'.repeat(96);

interface VmView {
  server_id: string;
  instances: {
    id: string;
    lifecycle: string;
    attestation_status: string;
    isolation_tier: string;
    measurement: string | null;
    attestation: { failure?: string | null };
    events: { event_type: string; lifecycle: string; attestation_status: string }[];
  }[];
}

describe('VM executor and attestation', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let dir: string;
  let executor: VmExecutor;
  let reader: EventCollector;
  let server: Server;

  const verifierKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rogueKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifierJwk = {
    ...verifierKeys.publicKey.export({ format: 'jwk' }),
    kid: 'verifier-1',
    alg: 'ES256',
  };

  /** Writes a guest image whose attestation agent behaves as given; returns the image name to launch. */
  const guest = (name: string, attester: Partial<StandInGuest['attester']> = {}): string => {
    const g: StandInGuest = {
      attester: {
        platform: 'sev-snp',
        measurement: GOOD,
        policy_debug: false,
        reported_tcb: 9,
        private_jwk: verifierKeys.privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
        kid: 'verifier-1',
        ...attester,
      },
    };
    writeFileSync(join(dir, 'rootfs', `registry.local_${name}_1.ext4`), JSON.stringify(g));
    return `registry.local/${name}:1`;
  };

  const launch = (image: string) =>
    executor.launch({
      serverId: server.id,
      serverName: server.name,
      decisionId: randomUUID(),
      launchId: randomUUID(),
      image,
    });

  const view = async (): Promise<VmView> => {
    const res = await fetch(`${url}/api/servers/${server.id}/vm`);
    expect(res.status).toBe(200);
    return (await res.json()) as VmView;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-test-'));
    const standIn = ts.transpileModule(
      readFileSync(join(__dirname, 'support', 'firecracker-stand-in.ts'), 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } },
    );
    writeFileSync(join(dir, 'firecracker-stand-in.js'), standIn.outputText);
    writeFileSync(join(dir, 'vmlinux'), 'kernel');
    mkdirSync(join(dir, 'rootfs'));

    db = await createTestDatabase('policy_vm');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          RUNTIME_RECONCILE_INTERVAL_MS: '600000',
          VM_EXECUTOR_ENABLED: 'true',
          VM_FIRECRACKER_BIN: process.execPath,
          VM_FIRECRACKER_ARGS: join(dir, 'firecracker-stand-in.js'),
          VM_SOCKET_DIR: join(dir, 'sockets'),
          VM_KERNEL_IMAGE: join(dir, 'vmlinux'),
          VM_ROOTFS_DIR: join(dir, 'rootfs'),
          VM_ATTESTATION_JWKS: JSON.stringify({ keys: [verifierJwk] }),
          VM_ATTESTATION_MAX_AGE_SECONDS: '30',
          VM_MEASUREMENT_ALLOWLIST: `*=${GOOD}`,
          VM_MIN_TCB_VERSION: '7',
          RUNTIME_DEFAULT_IMAGES: '*=registry.local/orchestrated:1',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    executor = service.app.get(VmExecutorHost).executor!;
    reader = await collectEvents(kafka.brokers, TOPICS.vmInstances.name);
    const res = await fetch(`${url}/api/servers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'vm-weather', server_type: 'weather' }),
    });
    expect(res.status).toBe(201);
    server = (await res.json()) as Server;
  }, 120_000);

  afterAll(async () => {
    await reader?.stop();
    await service?.close();
    await kafka?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the VM executor is enabled, then it is registered advertising the confidential capability', () => {
    expect(executor.descriptor.capabilities).toContain('confidential');
    expect(executor.descriptor.kind).toBe('vm');
  });

  const bad: [string, Partial<StandInGuest['attester']>, string][] = [
    ['a wrong measurement', { measurement: OTHER }, 'measurement_not_allowed'],
    [
      'a bad signature',
      { private_jwk: rogueKeys.privateKey.export({ format: 'jwk' }) as Record<string, unknown> },
      'bad_signature',
    ],
    ['a stale nonce', { iat_offset_seconds: -3600 }, 'stale_nonce'],
    ['another nonce', { nonce: 'replayed-nonce' }, 'nonce_mismatch'],
    ['a debug policy', { policy_debug: true }, 'debug_policy'],
    ['a stale TCB', { reported_tcb: 3 }, 'stale_tcb'],
    ['a sample attester', { platform: 'sample' }, 'sample_attester'],
    ['a verifier status that is not affirming', { status: 'contraindicated' }, 'not_affirming'],
  ];

  it.each(bad)(
    'when the guest presents evidence with %s, then the instance is rejected and never trusted',
    async (label, attester, failure) => {
      const image = guest(`bad-${failure}`, attester);
      await expect(launch(image)).rejects.toMatchObject({ code: 'ATTESTATION_REFUSED' });

      const latest = (await view()).instances[0];
      expect(latest.lifecycle).toBe('rejected');
      expect(latest.attestation_status).toBe('failed');
      expect(latest.attestation.failure).toBe(failure);
      expect(latest.events.map((e) => e.lifecycle)).not.toContain('trusted');
      expect(latest.events.map((e) => e.lifecycle)).not.toContain('running');
      expect(label).toBeTruthy();
    },
  );

  it('when the guest presents valid evidence, then the instance is trusted, runs, and every step is an event', async () => {
    const launched = await launch(guest('good'));
    expect(await executor.isRunning(launched.instanceRef)).toBe(true);

    const latest = (await view()).instances[0];
    expect(latest.id).toBe(launched.instanceRef);
    expect(latest.lifecycle).toBe('running');
    expect(latest.attestation_status).toBe('verified');
    expect(latest.isolation_tier).toBe('confidential-vm');
    expect(latest.measurement).toBe(GOOD);
    expect(latest.events.map((e) => e.event_type).reverse()).toEqual([
      'provisioned',
      'attesting',
      'attested',
      'running',
    ]);

    const published = await waitFor(
      () => {
        const mine = reader.events.filter((e) => e.payload.vm_instance_id === launched.instanceRef);
        return mine.length >= 4 && mine;
      },
      { what: 'the instance events on the VM topic' },
    );
    expect(published.map((e) => e.type)).toEqual(Array(4).fill('vm.instance.event_recorded'));
    expect(published.map((e) => e.payload.lifecycle)).toEqual([
      'provisioned',
      'attesting',
      'trusted',
      'running',
    ]);

    await executor.stop(launched.instanceRef);
    expect(await executor.isRunning(launched.instanceRef)).toBe(false);
    const after = (await view()).instances[0];
    expect(after.lifecycle).toBe('retired');
    expect(after.events[0].event_type).toBe('terminated');
  }, 30_000);

  it('when a launch requires confidential, then the policy engine places it on the VM executor and it runs only once attested', async () => {
    guest('orchestrated');
    const res = await fetch(`${url}/api/servers/${server.id}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capabilities: ['confidential'] }),
    });
    expect(res.status).toBe(202);
    const running = await waitFor(
      async () => {
        const latest = (await view()).instances[0];
        return latest?.lifecycle === 'running' && latest;
      },
      { what: 'an attested VM instance running the server' },
    );
    expect(running.attestation_status).toBe('verified');
    const stop = await fetch(`${url}/api/servers/${server.id}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(stop.status).toBe(200);
    await waitFor(async () => (await view()).instances[0]?.lifecycle === 'retired', {
      what: 'the VM retired',
    });
  }, 60_000);

  it('when the root image is missing, then the VM manager refuses and the instance is retired as launch_failed', async () => {
    await expect(launch('registry.local/absent:1')).rejects.toThrow(/block device/);
    const latest = (await view()).instances[0];
    expect(latest.lifecycle).toBe('retired');
    expect(latest.events[0].event_type).toBe('launch_failed');
  });

  it('when a transition skips the state machine, then it is refused with INVALID_TRANSITION', async () => {
    const instances = service.app.get(VmInstanceService);
    const row = await instances.provision({
      serverId: server.id,
      decisionId: null,
      launchId: null,
      executorName: 'vm-firecracker',
      isolationTier: 'microvm',
    });
    await expect(
      instances.transition(row.id, row.version, { to: 'running', eventType: 'running' }),
    ).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('when 50 transitions race on one version, then exactly one wins and the rest get VERSION_CONFLICT within 5 s', async () => {
    const instances = service.app.get(VmInstanceService);
    const row = await instances.provision({
      serverId: server.id,
      decisionId: null,
      launchId: null,
      executorName: 'vm-firecracker',
      isolationTier: 'microvm',
    });
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        instances.transition(row.id, row.version, { to: 'attesting', eventType: 'attesting' }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as { code?: string }).code] : [],
    );
    expect(new Set(codes)).toEqual(new Set(['VERSION_CONFLICT']));
    expect((await view()).instances.length).toBeGreaterThan(0);
  });

  it('when the server does not exist or the id is not a uuid, then the API answers 404 and 400 with codes', async () => {
    const missing = await fetch(`${url}/api/servers/${randomUUID()}/vm`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('SERVER_NOT_FOUND');
    const malformed = await fetch(`${url}/api/servers/not-a-uuid/vm`);
    expect(malformed.status).toBe(400);
  });

  it('when the verifier key set holds a private or unusable key, then the verifier refuses to start naming it', () => {
    const base = {
      VM_ATTESTATION_ISSUER: undefined,
      VM_ATTESTATION_MAX_AGE_SECONDS: 30,
      VM_MEASUREMENT_ALLOWLIST: {},
      VM_MIN_TCB_VERSION: 0,
      VM_ALLOW_DEBUG: false,
      VM_ALLOW_SAMPLE_ATTESTER: false,
    };
    const privateJwk = verifierKeys.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    expect(
      () =>
        new AttestationVerifier({
          ...base,
          VM_ATTESTATION_JWKS: { keys: [privateJwk] },
        } as unknown as VmConfig),
    ).toThrow(/key 0 is a private key/);
    expect(
      () =>
        new AttestationVerifier({
          ...base,
          VM_ATTESTATION_JWKS: { keys: [{ kty: 'EC' }] },
        } as unknown as VmConfig),
    ).toThrow(/key 0 is not a usable public key/);
  });

  it('when the sample attester is explicitly allowed, then its otherwise valid evidence is accepted', () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'ES256' };
    const config = {
      VM_ATTESTATION_JWKS: { keys: [jwk] },
      VM_ATTESTATION_ISSUER: undefined,
      VM_ATTESTATION_MAX_AGE_SECONDS: 30,
      VM_MEASUREMENT_ALLOWLIST: { '*': [GOOD] },
      VM_MIN_TCB_VERSION: 0,
      VM_ALLOW_DEBUG: false,
      VM_ALLOW_SAMPLE_ATTESTER: true,
    } as unknown as VmConfig;
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'ES256', kid: 'k' })}.${enc({
      eat_profile: 'tag:github.com,2023:veraison/ear',
      iat: Math.floor(Date.now() / 1000),
      eat_nonce: 'n1',
      submods: {
        g: {
          'ear.status': 'affirming',
          'ear.veraison.annotated-evidence': {
            platform: 'sample',
            measurement: GOOD,
            policy_debug: false,
            reported_tcb: 1,
          },
        },
      },
    })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const challenge = { serverId: randomUUID(), nonce: 'n1', issuedAt: new Date() };
    expect(new AttestationVerifier(config).verify(token, challenge).ok).toBe(true);
    expect(
      new AttestationVerifier({ ...config, VM_ALLOW_SAMPLE_ATTESTER: false }).verify(token, challenge)
        .failure,
    ).toBe('sample_attester');
  });
});

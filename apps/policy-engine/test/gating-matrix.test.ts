// The gating matrix on the real projections in Postgres: certification (none, pending, failed, expired, pass) ×
// promotion (none, scheduled, rolled back, active) × governance run (none, running, failed, succeeded). Each
// combination gives its exact notes and flags, and a launch happens only when every gate passes.
import { randomUUID } from 'node:crypto';
import type { Server } from '@mcp-host/contracts';
import { createServiceApp, Transactions, type ServiceApp } from '@mcp-host/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../src';
import { RuntimePolicyEngine } from '../src/decisions/runtime-policy-engine';
import { PolicyFactsRepository } from '../src/projections/policy-facts.repository';
import { ExecutorRegistry } from '../src/runtime/executor-registry';
import { ServerRuntimeService } from '../src/runtime/server-runtime.service';
import { ServerService } from '../src/servers/server.service';
import { RecordingExecutor } from './support/recording-executor';

const CERTS = ['none', 'pending', 'failed', 'expired', 'pass'] as const;
const PROMOTIONS = ['none', 'scheduled', 'rolled_back', 'active'] as const;
const RUNS = ['none', 'running', 'failed', 'succeeded'] as const;
type Cert = (typeof CERTS)[number];
type Promo = (typeof PROMOTIONS)[number];
type Run = (typeof RUNS)[number];

const hex = () => randomUUID().replace(/-/g, '');

describe('gating matrix', () => {
  let db: TestDatabase;
  let service: ServiceApp;
  let facts: PolicyFactsRepository;
  let tx: Transactions;
  let engine: RuntimePolicyEngine;
  let runtime: ServerRuntimeService;
  let servers: ServerService;
  const executor = new RecordingExecutor();

  beforeAll(async () => {
    db = await createTestDatabase('policy_gating');
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: '127.0.0.1:1',
          EVENT_CONSUMER_ENABLED: 'false',
          OUTBOX_RELAY_ENABLED: 'false',
          LOG_LEVEL: 'warn',
          RUNTIME_TIER_REQUIREMENTS: 'gold=security-scan',
        },
      }),
    );
    service.app.get(ExecutorRegistry).register(executor);
    facts = service.app.get(PolicyFactsRepository);
    tx = service.app.get(Transactions);
    engine = service.app.get(RuntimePolicyEngine);
    runtime = service.app.get(ServerRuntimeService);
    servers = service.app.get(ServerService);
  });

  afterAll(async () => {
    await service.close();
    await db.drop();
  });

  async function arrange(cert: Cert, promo: Promo, run: Run) {
    const server = await servers.register({
      name: `m-${cert}-${promo}-${run}`.replace(/_/g, '-'),
      server_type: 'Router',
      source_branch: 'main',
      dockerfile_path: 'Dockerfile',
      tier: 'gold',
    });
    const artifactId = randomUUID();
    const digest = `sha256:${hex()}${hex()}`;
    const runId = randomUUID();
    const promotionId = randomUUID();
    const now = Date.now();
    const at = (s: number) => new Date(now + s * 1000).toISOString();
    await tx.run(async (m) => {
      await facts.upsertArtifact(m, {
        id: artifactId,
        server_id: server.id,
        registry_image: `127.0.0.1:5000/mcp/${server.name}:latest`,
        manifest_digest: digest,
        status: 'succeeded',
        credential_health_status: 'healthy',
        completed_at: at(-600),
      });
      if (cert !== 'none') {
        await facts.upsertCertification(m, {
          id: randomUUID(),
          artifact_run_id: artifactId,
          manifest_digest: digest,
          tier: 'gold',
          policy_requirement: 'security-scan',
          status: cert === 'failed' ? 'fail' : cert === 'expired' ? 'pass' : cert,
          valid_from: cert === 'pass' || cert === 'expired' ? at(-500) : null,
          valid_until: cert === 'expired' ? at(-10) : cert === 'pass' ? at(3600) : null,
          version: 1,
          updated_at: at(-400),
        });
      }
      if (run !== 'none') {
        await facts.upsertGovernanceRun(m, {
          run_id: runId,
          workflow_id: randomUUID(),
          tier: 'gold',
          artifact_run_id: artifactId,
          manifest_digest: digest,
          promotion_id: promotionId,
          policy_decision_id: null,
          status: run === 'running' ? 'in_progress' : run,
          version: 2,
          updated_at: at(-300),
        });
      }
      if (promo !== 'none') {
        await facts.upsertPromotion(m, {
          promotion_id: promotionId,
          track_id: randomUUID(),
          manifest_digest: digest,
          stage: 'production',
          tier: 'gold',
          artifact_run_id: artifactId,
          status: promo,
          governance_run_id: run === 'none' ? null : runId,
          version: 3,
          updated_at: at(-200),
        });
      }
    });
    return { server, artifactId, digest, runId, promotionId };
  }

  function expected(
    cert: Cert,
    promo: Promo,
    run: Run,
    ids: { artifactId: string; digest: string; runId: string; promotionId: string },
  ) {
    const notes: string[] = [];
    notes.push(promo === 'active' ? `image:promoted:${ids.promotionId}` : `image:ledger:${ids.artifactId}`);
    const certState = {
      none: 'missing',
      pending: 'pending',
      failed: 'failed',
      expired: 'expired',
      pass: 'certified',
    }[cert];
    notes.push(`evaluation:${certState}:gold:security-scan`);
    if (run === 'succeeded') notes.push(`governance:completed:gold:${ids.runId}`);
    else {
      notes.push(`governance:missing-promotion:gold:${ids.digest}`);
      if (run === 'running') notes.push(`governance:run-in_progress:${ids.runId}`);
      if (run === 'failed') notes.push(`governance:run-failed:${ids.runId}`);
    }
    notes.push(
      promo === 'none' ? `promotion:none:gold:${ids.digest}` : `promotion:${promo}:gold:${ids.promotionId}`,
    );
    const evaluation_required = cert !== 'pass';
    const governance_required = run !== 'succeeded' || promo !== 'active';
    const status = evaluation_required
      ? 'pending-evaluation'
      : governance_required
        ? 'pending-governance'
        : 'starting';
    return { notes, evaluation_required, governance_required, status };
  }

  const combos: [Cert, Promo, Run][] = [];
  for (const c of CERTS) for (const p of PROMOTIONS) for (const r of RUNS) combos.push([c, p, r]);

  it.each(combos)(
    'when the certification is %s, the promotion %s and the governance run %s, then the decision gates exactly so',
    async (cert, promo, run) => {
      const ids = await arrange(cert, promo, run);
      const want = expected(cert, promo, run, ids);

      const decision = await tx.read((m) => engine.evaluate(m, ids.server, { capabilities: [] }));
      expect(decision).toMatchObject({
        tier: 'gold',
        backend: 'docker',
        candidate_backend: 'docker',
        executor_name: 'docker-test',
        capabilities_satisfied: true,
        requires_build: false,
        manifest_digest: ids.digest,
        artifact_run_id: ids.artifactId,
        image: `127.0.0.1:5000/mcp/${ids.server.name}@${ids.digest}`,
        evaluation_required: want.evaluation_required,
        governance_required: want.governance_required,
        governance_run_id: run === 'succeeded' ? ids.runId : null,
      });
      expect(decision.policy_notes).toEqual(want.notes);

      const started = await runtime.start(ids.server.id, { capabilities: [] });
      expect(started.status).toBe(want.status);
      expect(started.decision.policy_notes).toEqual(want.notes);
      const willLaunch = want.status === 'starting';
      if (willLaunch) {
        await waitFor(() => executor.launched.some((l) => l.serverId === ids.server.id), {
          what: 'the launch on the executor',
        });
        await waitFor(async () => (await servers.get(ids.server.id)).status === 'running', {
          what: 'status running',
        });
      } else {
        // A held launch is never dispatched: start() answered without handing it to the orchestrator.
        expect(executor.launched.some((l) => l.serverId === ids.server.id)).toBe(false);
        expect(((await servers.get(ids.server.id)) as Server).status).toBe(want.status);
      }
    },
  );
});

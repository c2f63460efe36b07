// Remediation runs as a capability intelligence signal, through the broker: runs enqueued for a server (named in the
// run's payload or metadata, or by the instance id), their outcomes and SLA breaches move the remediation score and
// the status, a burst of runs against the baseline becomes an anomaly note, and runs on unknown instances, repeated
// SLA flags and redeliveries add nothing.
import { randomUUID } from 'node:crypto';
import type { Server, ServerIntelligence } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { remediationScoreOf } from '../src/intelligence/intelligence.rules';

const HOUR = 3_600_000;

describe('remediation runs in capability intelligence', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;

  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const inInbox = async (id: string) =>
    ((await ds.query('SELECT 1 FROM inbox WHERE event_id = $1', [id])) as unknown[]).length > 0;
  const intelligence = async (id: string) =>
    (await (await fetch(`${url}/api/servers/${id}/intelligence`)).json()) as ServerIntelligence;
  const register = async (name: string) =>
    (await (
      await fetch(`${url}/api/servers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, server_type: 'Router' }),
      })
    ).json()) as Server;

  /** A run as governance publishes it: enqueued, then its moves with the run's payload on each. */
  const enqueue = (
    runId: string,
    at: string,
    where: { instance_id?: string; payload?: Record<string, unknown>; metadata?: Record<string, unknown> },
  ) =>
    publishTestEvent(kafka.brokers, 'remediation.run.enqueued', {
      run_id: runId,
      instance_id: where.instance_id ?? randomUUID(),
      playbook: 'restart-server',
      executor_type: 'restart-server',
      owner: 'oncall',
      status: 'pending',
      approval_state: 'not_required',
      metadata: where.metadata ?? {},
      payload: where.payload ?? {},
      attempt: 1,
      version: 1,
      enqueued_at: at,
    });
  const move = (
    runId: string,
    from: string,
    to: string,
    at: string,
    where: { instance_id?: string; payload?: Record<string, unknown> },
    extra: { sla_breached?: boolean; version?: number } = {},
  ) =>
    publishTestEvent(kafka.brokers, 'remediation.run.status_changed', {
      run_id: runId,
      instance_id: where.instance_id ?? randomUUID(),
      from_status: from as 'running',
      to_status: to as 'running',
      attempt: 1,
      duration_ms: null,
      reason: null,
      version: extra.version ?? 2,
      changed_at: at,
      executor_type: 'restart-server',
      payload: where.payload ?? {},
      sla_breached: extra.sla_breached ?? false,
    });

  beforeAll(async () => {
    db = await createTestDatabase('policy_intel_remediation');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when the counts are given, then the remediation score is the success ratio less 10 per SLA breach, absent without runs', () => {
    expect(remediationScoreOf({})).toBeUndefined();
    expect(remediationScoreOf({ remediation_enqueued: 4 })).toBeUndefined();
    expect(remediationScoreOf({ remediation_succeeded: 3, remediation_failed: 1 })).toBe(75);
    expect(
      remediationScoreOf({ remediation_succeeded: 3, remediation_failed: 1, remediation_sla_breached: 2 }),
    ).toBe(55);
    expect(remediationScoreOf({ remediation_sla_breached: 1 })).toBe(90);
    expect(remediationScoreOf({ remediation_failed: 2, remediation_sla_breached: 3 })).toBe(0);
  });

  it('when runs for a server succeed, fail and breach their SLA, then its remediation score and status move, a burst of runs is an anomaly, and a repeated SLA flag counts once', async () => {
    const server = await register('remediated');
    const byServer = { payload: { server_id: server.id } };

    // A quiet baseline: one run a day before, which succeeded.
    const early = randomUUID();
    await enqueue(early, ago(20 * HOUR), byServer);
    await move(early, 'running', 'succeeded', ago(20 * HOUR - 60_000), byServer, { version: 3 });
    const baseline = await waitFor(
      async () => {
        const i = await intelligence(server.id);
        return i.signals.remediation_succeeded === 1 ? i : undefined;
      },
      { what: 'the baseline run' },
    );
    expect(baseline.scores.remediation).toBe(100);
    expect(baseline.anomalies).toEqual([]);

    // A burst: four runs in the last hour (one named through metadata, one by the instance id being the server),
    // three of which fail, one past its SLA; the SLA sweep repeats the flag on a later event of the same run.
    const runs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await enqueue(runs[0], ago(40 * 60_000), byServer);
    await enqueue(runs[1], ago(35 * 60_000), { metadata: { server_id: server.id } });
    await enqueue(runs[2], ago(30 * 60_000), { instance_id: server.id });
    await enqueue(runs[3], ago(25 * 60_000), byServer);
    await move(runs[0], 'running', 'failed', ago(20 * 60_000), byServer);
    await move(runs[1], 'running', 'failed', ago(19 * 60_000), byServer);
    await move(runs[2], 'running', 'failed', ago(18 * 60_000), { instance_id: server.id });
    await move(runs[3], 'running', 'running', ago(10 * 60_000), byServer, { sla_breached: true });
    await move(runs[3], 'running', 'succeeded', ago(5 * 60_000), byServer, {
      sla_breached: true,
      version: 3,
    });

    const after = await waitFor(
      async () => {
        const i = await intelligence(server.id);
        return i.signals.remediation_succeeded === 2 && i.signals.remediation_sla_breached === 1
          ? i
          : undefined;
      },
      { what: 'every remediation signal' },
    );
    expect(after.signals).toEqual({
      remediation_enqueued: 5,
      remediation_succeeded: 2,
      remediation_failed: 3,
      remediation_sla_breached: 1,
    });
    // 2 of 5 finished runs succeeded (40), less 10 for the one breach.
    expect(after.scores.remediation).toBe(30);
    expect(after.overall_score).toBe(30);
    expect(after.status).toBe('at_risk');
    // One note per signal and clock hour: the burst may straddle an hour, so each signal's largest note is read.
    const bySignal = Object.fromEntries(
      [...after.anomalies].sort((a, b) => a.last_hour - b.last_hour).map((a) => [a.signal, a]),
    );
    expect(Object.keys(bySignal).sort()).toEqual(['remediation_enqueued', 'remediation_failed']);
    expect(bySignal.remediation_enqueued).toMatchObject({ last_hour: 4 });
    expect(bySignal.remediation_enqueued.baseline_per_hour).toBeCloseTo(1 / 23);
    expect(bySignal.remediation_enqueued.note).toMatch(/^anomaly:remediation_enqueued: 4 in the last hour/);
    expect(bySignal.remediation_failed).toMatchObject({ last_hour: 3, baseline_per_hour: 0 });
  });

  it('when a run names no server the policy engine knows, or an event is redelivered, then nothing is recorded', async () => {
    const server = await register('remediated-once');
    const stranger = randomUUID();
    await enqueue(randomUUID(), ago(60_000), { instance_id: stranger });
    await move(randomUUID(), 'running', 'failed', ago(50_000), { instance_id: stranger });

    const runId = randomUUID();
    const where = { payload: { server_id: server.id } };
    const eventId = await move(runId, 'running', 'failed', ago(40_000), where);
    await waitFor(() => inInbox(eventId), { what: 'the first delivery' });
    await publishTestEvent(
      kafka.brokers,
      'remediation.run.status_changed',
      {
        run_id: runId,
        instance_id: randomUUID(),
        from_status: 'running',
        to_status: 'failed',
        attempt: 1,
        duration_ms: null,
        reason: null,
        version: 2,
        changed_at: ago(40_000),
        executor_type: 'restart-server',
        payload: where.payload,
        sla_breached: false,
      },
      { id: eventId },
    );
    // A later event of the same run (same partition key) marks that the redelivery was handled.
    const marker = await move(runId, 'failed', 'failed', ago(30_000), where, { version: 3 });
    await waitFor(() => inInbox(marker), { what: 'the later marker' });

    const i = await intelligence(server.id);
    expect(i.signals).toEqual({ remediation_failed: 1 });
    expect(i.scores.remediation).toBe(0);
    const strangers = (await ds.query(
      'SELECT count(*)::int AS n FROM server_intelligence_signals WHERE server_id = $1',
      [stranger],
    )) as { n: number }[];
    expect(strangers[0].n).toBe(0);
  });
});

// Evaluation certifications, tier requirements, expiry and promotion lineage, on real Postgres and the embedded broker.
import { randomUUID } from 'node:crypto';
import {
  TOPICS,
  type EvaluationCertificationView,
  type MarketplaceCatalogEntry,
  type Server,
} from '@mcp-host/contracts';
import { collectEvents, publishTestEvent, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { EvaluationExpirySweeper } from '../src/evaluations/evaluation-expiry.sweeper';
import { FakeClock, apiCall, artifactRun, projectedServer, storeRuns } from './support/catalog-fixtures';

jest.setTimeout(60_000);

const clock = new FakeClock();
let h: Harness;
let evaluationEvents: EventCollector;
let requirementEvents: EventCollector;
let catalogEvents: EventCollector;

beforeAll(async () => {
  h = await startHarness('marketplace_eval', (env) => MarketplaceModule.forRoot({ env, clock }), {
    EVALUATION_EXPIRY_SWEEP_MS: '0',
    EVALUATION_TIER_REQUIREMENTS: 'seeded=scan+conformance',
  });
  evaluationEvents = await collectEvents(h.kafka.brokers, TOPICS.evaluations.name);
  requirementEvents = await collectEvents(h.kafka.brokers, TOPICS.evaluationRequirements.name);
  catalogEvents = await collectEvents(h.kafka.brokers, TOPICS.marketplaceCatalog.name);
});

afterAll(async () => {
  await evaluationEvents?.stop();
  await requirementEvents?.stop();
  await catalogEvents?.stop();
  await h?.close();
});

interface ErrorBody {
  error: { code: string; message: string; details?: { current_version?: number | null } };
}

const call = apiCall(() => h);

let seq = 0;
async function server(tier: string | null = null): Promise<Server> {
  seq += 1;
  return projectedServer(h, {
    name: `ev-${Date.now().toString(36)}${seq}`,
    server_type: `EvType${seq}`,
    tier,
  });
}

async function entry(runId: string): Promise<MarketplaceCatalogEntry> {
  const res = await call<MarketplaceCatalogEntry>('GET', `/api/marketplace/${runId}`);
  expect(res.status).toBe(200);
  return res.body;
}

const eventsOf = (type: string, id: string) =>
  evaluationEvents.events.filter((e) => e.type === type && e.payload.id === id);

describe('POST /api/artifacts/:id/evaluations', () => {
  it('when the same artifact, tier and requirement is upserted twice, then one row remains at version 2', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const body = { tier: 'gold', policy_requirement: 'scan', status: 'pass' };

    const first = await call<EvaluationCertificationView>(
      'POST',
      `/api/artifacts/${run.id}/evaluations`,
      body,
    );
    const second = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      ...body,
      status: 'fail',
    });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, version: 2, status: 'fail' });
    const list = await call<{ items: EvaluationCertificationView[] }>(
      'GET',
      `/api/artifacts/${run.id}/evaluations`,
    );
    expect(list.body.items.map((c) => [c.id, c.version])).toEqual([[first.body.id, 2]]);
    await waitFor(async () => eventsOf('evaluation.certification.upserted', first.body.id).length === 2, {
      timeoutMs: 15_000,
      what: 'both upsert events',
    });
    expect(eventsOf('evaluation.certification.upserted', first.body.id).map((e) => e.payload)).toEqual([
      expect.objectContaining({ server_id: run.server_id, manifest_digest: run.manifest_digest, version: 1 }),
      expect.objectContaining({ status: 'fail', version: 2 }),
    ]);
  });

  it('when the payload has no digest, then the ledger digest of the run is used', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);

    const res = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
      evidence: { report: 'https://ci.example/1' },
      valid_until: '2026-07-01T00:00:00.000Z',
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      artifact_run_id: run.id,
      server_id: run.server_id,
      manifest_digest: run.manifest_digest,
      status: 'pass',
      effective_status: 'pass',
      evidence: { report: 'https://ci.example/1' },
      valid_from: clock.now().toISOString(),
      valid_until: '2026-07-01T00:00:00.000Z',
      version: 1,
    });
  });

  it('when the artifact run is unknown, then 404', async () => {
    const res = await call<ErrorBody>('POST', `/api/artifacts/${randomUUID()}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ARTIFACT_NOT_FOUND');
  });

  it('when the digest contradicts the ledger, then 422 naming the ledger digest', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const res = await call<ErrorBody>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
      manifest_digest: `sha256:${'f'.repeat(64)}`,
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'DIGEST_MISMATCH',
      details: { ledger_digest: run.manifest_digest },
    });
  });

  it('when the version is stale, then 409 with the current version', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const body = { tier: 'gold', policy_requirement: 'scan', status: 'pass' };
    await call('POST', `/api/artifacts/${run.id}/evaluations`, body);
    await call('POST', `/api/artifacts/${run.id}/evaluations`, { ...body, version: 1 });

    const stale = await call<ErrorBody>('POST', `/api/artifacts/${run.id}/evaluations`, {
      ...body,
      version: 1,
    });

    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { current_version: 2 } });
  });

  it.each([
    [{ tier: 'gold', policy_requirement: 'scan', status: 'passed' }],
    [{ tier: '', policy_requirement: 'scan', status: 'pass' }],
    [{ tier: 'gold', policy_requirement: 'scan\u0007', status: 'pass' }],
    [
      {
        tier: 'gold',
        policy_requirement: 'scan',
        status: 'pass',
        valid_from: '2026-02-01T00:00:00Z',
        valid_until: '2026-01-01T00:00:00Z',
      },
    ],
  ])('when the body is %j, then 400 VALIDATION_FAILED', async (body) => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const res = await call<ErrorBody>('POST', `/api/artifacts/${run.id}/evaluations`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('when 50 upserts race on the same version, then exactly one wins and the rest get 409', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const body = { tier: 'gold', policy_requirement: 'race', status: 'pass' };
    await call('POST', `/api/artifacts/${run.id}/evaluations`, body);

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call<ErrorBody>('POST', `/api/artifacts/${run.id}/evaluations`, {
          ...body,
          status: 'fail',
          version: 1,
        }),
      ),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const after = await call<{ items: EvaluationCertificationView[] }>(
      'GET',
      `/api/artifacts/${run.id}/evaluations`,
    );
    expect(after.status).toBe(200);
    expect(after.body.items[0]).toMatchObject({ version: 2, status: 'fail' });
  });
});

describe('POST /api/evaluations/:id/retry', () => {
  it('when a certification is retried, then it is pending with no window and an evaluation is requested', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const cert = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'fail',
      valid_until: '2026-12-01T00:00:00.000Z',
    });

    const res = await call<EvaluationCertificationView>('POST', `/api/evaluations/${cert.body.id}/retry`, {});

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: cert.body.id,
      status: 'pending',
      effective_status: 'pending',
      valid_from: null,
      valid_until: null,
      version: 2,
    });
    await waitFor(async () => eventsOf('evaluation.requested', cert.body.id).length === 1, {
      timeoutMs: 15_000,
      what: 'the evaluation request',
    });
    expect(eventsOf('evaluation.requested', cert.body.id)[0]?.payload).toMatchObject({
      reason: 'retry',
      status: 'pending',
      server_id: run.server_id,
      manifest_digest: run.manifest_digest,
      version: 2,
    });
    expect(eventsOf('evaluation.certification.retried', cert.body.id)[0]?.payload).toMatchObject({
      previous_status: 'fail',
    });
  });

  it.each([
    [randomUUID(), 404, 'EVALUATION_NOT_FOUND'],
    ['nope', 400, 'INVALID_ID'],
  ])('when retrying evaluation %s, then %i %s', async (id, status, code) => {
    const res = await call<ErrorBody>('POST', `/api/evaluations/${id}/retry`, {});
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('when 50 retries race on the same version, then exactly one resets it and the rest get 409', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const cert = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'fail',
    });

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call<ErrorBody>('POST', `/api/evaluations/${cert.body.id}/retry`, { version: 1 }),
      ),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const after = await call<EvaluationCertificationView>('GET', `/api/evaluations/${cert.body.id}`);
    expect(after.body).toMatchObject({ status: 'pending', version: 2 });
  });

  it('when the retry names a stale version, then 409', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const cert = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
    });
    const res = await call<ErrorBody>('POST', `/api/evaluations/${cert.body.id}/retry`, { version: 7 });
    expect(res.status).toBe(409);
    expect(res.body.error.details?.current_version).toBe(1);
  });
});

describe('GET /api/evaluations', () => {
  it('when filtered by server, tier, requirement and status, then only matches come back, in keyset pages', async () => {
    const s = await server();
    const runs = [artifactRun(s), artifactRun(s)];
    await storeRuns(h, ...runs);
    for (const run of runs) {
      for (const req of ['a', 'b', 'c']) {
        await call('POST', `/api/artifacts/${run.id}/evaluations`, {
          tier: 'gold',
          policy_requirement: req,
          status: req === 'c' ? 'fail' : 'pass',
        });
      }
    }

    const seen: EvaluationCertificationView[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: EvaluationCertificationView[]; next_cursor: string | null };
      } = await call('GET', `/api/evaluations?server_id=${s.id}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen.map((c) => c.id)).size).toBe(6);

    const failed = await call<{ items: EvaluationCertificationView[] }>(
      'GET',
      `/api/evaluations?server_id=${s.id}&status=fail&tier=gold&policy_requirement=c`,
    );
    expect(failed.body.items.map((c) => c.artifact_run_id).sort()).toEqual(runs.map((r) => r.id).sort());

    const one = await call<EvaluationCertificationView>('GET', `/api/evaluations/${seen[0]?.id}`);
    expect(one.body).toEqual(seen[0]);
  });

  it.each([
    ['status=passed', 'VALIDATION_FAILED'],
    ['server_id=x', 'VALIDATION_FAILED'],
    ['cursor=bm9wZQ', 'INVALID_CURSOR'],
  ])('when the query has %s, then 400 %s', async (query, code) => {
    const res = await call<ErrorBody>('GET', `/api/evaluations?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });
});

describe('expiry', () => {
  it('when the clock passes valid_until, then the certification reads as expired and one expiry event is published', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const validUntil = new Date(clock.now().getTime() + 60_000).toISOString();
    const cert = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
      valid_until: validUntil,
    });
    expect(cert.body.effective_status).toBe('pass');
    expect((await entry(run.id)).certifications.certified).toHaveLength(1);

    clock.advance(61_000);

    const read = await call<EvaluationCertificationView>('GET', `/api/evaluations/${cert.body.id}`);
    expect(read.body).toMatchObject({ status: 'pass', effective_status: 'expired' });
    const expiredList = await call<{ items: EvaluationCertificationView[] }>(
      'GET',
      `/api/evaluations?artifact_run_id=${run.id}&status=expired`,
    );
    expect(expiredList.body.items.map((c) => c.id)).toEqual([cert.body.id]);
    const listed = await entry(run.id);
    expect(listed.certifications.expired.map((c) => c.certification_id)).toEqual([cert.body.id]);

    const sweeper = h.service.app.get(EvaluationExpirySweeper);
    await sweeper.sweep();
    await sweeper.sweep();
    // A later event on the same partition marks the point the expiry events must already have reached.
    const marker = await call<EvaluationCertificationView>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'marker',
      status: 'pending',
    });
    await waitFor(async () => eventsOf('evaluation.certification.upserted', marker.body.id).length === 1, {
      timeoutMs: 15_000,
      what: 'the marker event',
    });

    expect(eventsOf('evaluation.certification.expired', cert.body.id)).toHaveLength(1);
    expect(eventsOf('evaluation.certification.expired', cert.body.id)[0]?.payload).toMatchObject({
      id: cert.body.id,
      server_id: run.server_id,
      valid_until: validUntil,
      expired_at: clock.now().toISOString(),
    });
    // The catalog re-graded on the expiry: an expired certification keeps the entry off gold.
    expect((await entry(run.id)).health.issues).toContain('evaluation-expired:gold:scan');
  });
});

describe('tier requirements', () => {
  it('when requirements come from configuration, then they are seeded and announced', async () => {
    const res = await call<{ tier: string; requirements: string[]; version: number }>(
      'GET',
      '/api/evaluations/requirements/seeded',
    );
    expect(res.body).toMatchObject({ tier: 'seeded', requirements: ['scan', 'conformance'], version: 1 });
    await waitFor(async () => requirementEvents.events.some((e) => e.payload.tier === 'seeded'), {
      timeoutMs: 15_000,
      what: 'the seeded requirements event',
    });
  });

  it('when a run is recorded for a tier with requirements, then each gets a pending certification and a request', async () => {
    const tier = `t${Date.now().toString(36)}`;
    const put = await call<{ version: number }>('PUT', `/api/evaluations/requirements/${tier}`, {
      requirements: ['scan', 'conformance'],
    });
    expect(put.status).toBe(200);
    const s = await server(tier);
    const run = artifactRun(s);

    await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' });

    const certs = await waitFor(
      async () => {
        const res = await call<{ items: EvaluationCertificationView[] }>(
          'GET',
          `/api/artifacts/${run.id}/evaluations`,
        );
        return res.status === 200 && res.body.items.length === 2 ? res.body.items : undefined;
      },
      { timeoutMs: 15_000, what: 'the pending certifications' },
    );
    expect(certs.map((c) => [c.tier, c.policy_requirement, c.status]).sort()).toEqual([
      [tier, 'conformance', 'pending'],
      [tier, 'scan', 'pending'],
    ]);
    await waitFor(
      async () =>
        evaluationEvents.events.filter(
          (e) => e.type === 'evaluation.requested' && e.payload.artifact_run_id === run.id,
        ).length === 2,
      { timeoutMs: 15_000, what: 'two evaluation requests' },
    );
    const listed = await entry(run.id);
    expect(listed.tier).toBe(`silver:${s.server_type}`);
    expect(listed.certifications.pending).toHaveLength(2);

    // Passing both certifies the run for its tier: the entry reaches gold.
    for (const c of certs) {
      await call('POST', `/api/artifacts/${run.id}/evaluations`, {
        tier,
        policy_requirement: c.policy_requirement,
        status: 'pass',
      });
    }
    const certified = await entry(run.id);
    expect(certified.tier).toBe(`gold:${s.server_type}`);
    expect(certified.certifications.certified.map((c) => c.policy_requirement).sort()).toEqual([
      'conformance',
      'scan',
    ]);

    // A new requirement for the tier is missing on the run until certified.
    const grown = await call<{ version: number }>('PUT', `/api/evaluations/requirements/${tier}`, {
      requirements: ['scan', 'conformance', 'sbom'],
      version: put.body.version,
    });
    expect(grown.status).toBe(200);
    const missing = await entry(run.id);
    expect(missing.certifications.missing.map((c) => c.policy_requirement)).toEqual(['sbom']);
    expect(missing.tier).toBe(`silver:${s.server_type}`);

    // Every change of the entry's tier or issues was announced for the policy engine, in order: the first from
    // nothing, then silver (pending) → gold (certified) → silver (a new requirement is missing).
    const announced = () =>
      catalogEvents.events
        .filter((e) => e.type === 'marketplace.tier.changed' && e.payload.artifact_run_id === run.id)
        .map((e) => e.payload as { from_tier: string | null; to_tier: string; issues: string[] });
    await waitFor(async () => announced().at(-1)?.issues.includes(`evaluation-missing:${tier}:sbom`), {
      timeoutMs: 15_000,
      what: 'the last tier announcement',
    });
    expect(announced()[0]?.from_tier).toBeNull();
    const tiers = announced()
      .map((e) => e.to_tier)
      .filter((t, i, all) => i === 0 || t !== all[i - 1]);
    expect(tiers).toEqual([`silver:${s.server_type}`, `gold:${s.server_type}`, `silver:${s.server_type}`]);
  });

  it('when a run is recorded before its server names a tier, then the tier arriving later gives it its pending certifications', async () => {
    const tier = `late${Date.now().toString(36)}`;
    const put = await call('PUT', `/api/evaluations/requirements/${tier}`, { requirements: ['scan'] });
    expect(put.status).toBe(200);
    const s = await server(null);
    const run = artifactRun(s);
    await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' });
    await waitFor(async () => (await call('GET', `/api/marketplace/${run.id}`)).status === 200, {
      timeoutMs: 15_000,
      what: 'the run in the catalog',
    });
    const none = await call<{ items: unknown[] }>('GET', `/api/artifacts/${run.id}/evaluations`);
    expect(none.body.items).toHaveLength(0);

    // The topics are consumed independently, so the tier can reach the marketplace after the run.
    await publishTestEvent(
      h.kafka.brokers,
      'server.updated',
      { ...s, tier, version: s.version + 1, updated_at: new Date().toISOString() },
      { source: 'policy-engine' },
    );

    const certs = await waitFor(
      async () => {
        const res = await call<{ items: EvaluationCertificationView[] }>(
          'GET',
          `/api/artifacts/${run.id}/evaluations`,
        );
        return res.body.items.length === 1 ? res.body.items : undefined;
      },
      { timeoutMs: 15_000, what: 'the pending certification from the late tier' },
    );
    expect(certs[0]).toMatchObject({
      tier,
      policy_requirement: 'scan',
      status: 'pending',
      manifest_digest: run.manifest_digest,
    });
    await waitFor(
      async () =>
        evaluationEvents.events.filter(
          (e) => e.type === 'evaluation.requested' && e.payload.artifact_run_id === run.id,
        ).length === 1,
      { timeoutMs: 15_000, what: 'one evaluation request' },
    );
  });

  it('when 50 writes of a tier race on the same version, then exactly one wins and the rest get 409', async () => {
    const tier = `r${Date.now().toString(36)}`;
    await call('PUT', `/api/evaluations/requirements/${tier}`, { requirements: ['a'] });

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call<ErrorBody>('PUT', `/api/evaluations/requirements/${tier}`, {
          requirements: [`r${i}`],
          version: 1,
        }),
      ),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const after = await call<{ version: number }>('GET', `/api/evaluations/requirements/${tier}`);
    expect(after.body.version).toBe(2);
  });

  it('when the requirements are written with a stale version, then 409', async () => {
    const tier = `s${Date.now().toString(36)}`;
    await call('PUT', `/api/evaluations/requirements/${tier}`, { requirements: ['a'] });
    await call('PUT', `/api/evaluations/requirements/${tier}`, { requirements: ['b'], version: 1 });
    const stale = await call<ErrorBody>('PUT', `/api/evaluations/requirements/${tier}`, {
      requirements: ['c'],
      version: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details?.current_version).toBe(2);
    expect((await call<ErrorBody>('GET', '/api/evaluations/requirements/unknown-tier')).status).toBe(404);
  });
});

describe('promotion lineage', () => {
  it('when promotion events arrive, then the entry shows the history and active promotion, and redelivery changes nothing', async () => {
    const run = artifactRun(await server());
    await storeRuns(h, run);
    const digest = run.manifest_digest as string;
    const promotionId = randomUUID();
    const trackId = randomUUID();
    const base = {
      promotion_id: promotionId,
      track_id: trackId,
      manifest_digest: digest,
      stage: 'production',
      tier: 'gold',
    };
    const scheduled = {
      ...base,
      artifact_run_id: run.id,
      status: 'scheduled' as const,
      governance_run_id: null,
      note: null,
      scheduled_by: 'ops',
      version: 1,
      scheduled_at: '2026-06-01T00:00:00.000Z',
    };
    const approved = {
      ...base,
      status: 'approved' as const,
      approved_by: 'lead',
      note: null,
      version: 2,
      approved_at: '2026-06-01T01:00:00.000Z',
    };
    const activated = {
      ...base,
      artifact_run_id: run.id,
      from_status: 'approved' as const,
      to_status: 'active' as const,
      governance_run_id: null,
      reason: null,
      version: 3,
      changed_at: '2026-06-01T02:00:00.000Z',
    };
    await publishTestEvent(h.kafka.brokers, 'promotion.scheduled', scheduled);
    await publishTestEvent(h.kafka.brokers, 'promotion.approved', approved);
    await h.waitForInbox(await publishTestEvent(h.kafka.brokers, 'promotion.status_changed', activated));

    const expected = {
      promotion_id: promotionId,
      track_id: trackId,
      stage: 'production',
      tier: 'gold',
      status: 'active',
      updated_at: '2026-06-01T02:00:00.000Z',
      governance_run_id: null,
      approved_by: 'lead',
      scheduled_at: '2026-06-01T00:00:00.000Z',
    };
    const first = await entry(run.id);
    expect(first.active_promotion).toEqual(expected);
    expect(first.promotion_history).toEqual([expected]);

    // The same events again (new event ids, so the inbox does not catch them), older ones last.
    await publishTestEvent(h.kafka.brokers, 'promotion.status_changed', activated);
    await publishTestEvent(h.kafka.brokers, 'promotion.approved', approved);
    await h.waitForInbox(await publishTestEvent(h.kafka.brokers, 'promotion.scheduled', scheduled));

    expect(await entry(run.id)).toEqual(first);
    const listed = await call<{ items: MarketplaceCatalogEntry[] }>(
      'GET',
      `/api/marketplace?q=${encodeURIComponent(digest.slice(7, 30))}`,
    );
    expect(listed.body.items.map((e) => e.active_promotion?.promotion_id)).toEqual([promotionId]);
  });
});

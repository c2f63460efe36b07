// Release-train promotions end to end on real Postgres and the embedded broker: tracks and who sees them, scheduling
// rules, the run driving the promotion (its events redelivered included), approvals, rejection blocks and rollback.
import { randomUUID } from 'node:crypto';
import { TOPICS, type EventPayload, type EventType } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import type { Page, PromotionBlock, PromotionDetail, Track } from '../src/promotions/promotion.dto';
import { newDigest, recordArtifact, unique, type Identity } from './support/api';
import { ADMIN, OWNER, promotions } from './support/promotions';

let h: Harness;
let runEvents: EventCollector;
let promotionEvents: EventCollector;
let trackEvents: EventCollector;
let p: ReturnType<typeof promotions>;

beforeAll(async () => {
  h = await startHarness('governance_promotions_test', (env) => GovernanceModule.forRoot({ env }));
  runEvents = await collectEvents(h.kafka.brokers, TOPICS.governanceRuns.name);
  promotionEvents = await collectEvents(h.kafka.brokers, TOPICS.promotions.name);
  trackEvents = await collectEvents(h.kafka.brokers, TOPICS.promotionTracks.name);
  p = promotions(h);
});

afterAll(async () => {
  await runEvents?.stop();
  await promotionEvents?.stop();
  await trackEvents?.stop();
  await h?.close();
});

async function count(sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await h.serviceDb.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

async function builtDigest(): Promise<string> {
  const digest = newDigest();
  await recordArtifact(h, digest);
  return digest;
}

describe('promotion tracks', () => {
  it('when a track is created, then its owner is the caller and an operator lists only their own tracks while an admin lists all', async () => {
    const mine = await p.track(
      { stage_tiers: { prod: 'gold' } },
      { subject: 'ops-a@example.com', role: 'operator' },
    );
    const theirs = await p.track({}, { subject: 'ops-b@example.com', role: 'operator' });
    expect(mine).toMatchObject({
      owner: 'ops-a@example.com',
      stages: ['dev', 'staging', 'prod'],
      version: 1,
    });

    const a = await p.http.ok<Page<Track>>('GET', '/api/promotions/tracks?limit=200', undefined, {
      subject: 'ops-a@example.com',
      role: 'operator',
    });
    expect(a.items.map((t) => t.id)).toEqual([mine.id]);
    const all = await p.http.ok<Page<Track>>('GET', '/api/promotions/tracks?limit=200', undefined, ADMIN);
    expect(all.items.map((t) => t.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));

    // Each creation is announced once on the tracks topic, keyed by the track, with what the API answered.
    const created = await waitFor(() => trackEvents.events.find((e) => e.payload.track_id === mine.id), {
      what: 'promotion.track.created of the new track',
    });
    expect(created.type).toBe('promotion.track.created');
    expect(created.key).toBe(mine.id);
    expect(created.payload).toMatchObject({
      name: mine.name,
      stages: mine.stages,
      owner: 'ops-a@example.com',
      stage_tiers: { prod: 'gold' },
      version: 1,
      created_at: mine.created_at,
    });
  });

  it.each([
    ['repeated stages', { stages: ['dev', 'dev'] }, 400, 'VALIDATION_FAILED'],
    ['a tier for an unknown stage', { stage_tiers: { qa: 'gold' } }, 400, 'VALIDATION_FAILED'],
    [
      'with_role above required',
      { stage_approvals: { prod: { required: 1, role: 'admin', with_role: 2 } } },
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown workflow', { workflow_id: randomUUID() }, 404, 'WORKFLOW_NOT_FOUND'],
  ])('when a track has %s (%j), then %i %s and nothing is stored', async (_case, over, status, code) => {
    const name = unique('bad-track');
    const res = await p.http.call('POST', '/api/promotions/tracks', {
      name,
      stages: ['dev', 'prod'],
      ...over,
    });
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
    await expect(count('promotion_tracks WHERE name = $1', [name])).resolves.toBe(0);
  });

  it('when the name is taken in any case, then 409 TRACK_NAME_TAKEN', async () => {
    const t = await p.track();
    const res = await p.http.call('POST', '/api/promotions/tracks', {
      name: t.name.toUpperCase(),
      stages: ['a'],
    });
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('TRACK_NAME_TAKEN');
  });
});

describe('POST /api/promotions/schedule', () => {
  it('when a built digest is scheduled on the first stage, then the promotion is scheduled with its run started and linked', async () => {
    const t = await p.track({ stage_tiers: { dev: 'bronze' } });
    const digest = newDigest();
    const artifactRunId = await recordArtifact(h, digest);

    const res = await p.schedule(t, digest, 'dev');

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      track_id: t.id,
      manifest_digest: digest,
      stage: 'dev',
      tier: 'bronze',
      artifact_run_id: artifactRunId,
      status: 'scheduled',
      governance_run_id: expect.any(String),
      scheduled_by: OWNER.subject,
      rollback: false,
      version: 1,
    });
    const run = await p.http.ok('GET', `/api/governance/runs/${res.body.governance_run_id}`);
    expect(run).toMatchObject({
      promotion_id: res.body.id,
      manifest_digest: digest,
      tier: 'bronze',
      status: 'pending',
    });
    const event = await waitFor(
      () =>
        promotionEvents.events.find(
          (e) => e.type === 'promotion.scheduled' && e.payload.promotion_id === res.body.id,
        ),
      { timeoutMs: 15_000, what: 'promotion.scheduled' },
    );
    expect(event.key).toBe(digest);
    expect(event.payload).toMatchObject({
      track_id: t.id,
      stage: 'dev',
      tier: 'bronze',
      artifact_run_id: artifactRunId,
      status: 'scheduled',
      governance_run_id: res.body.governance_run_id,
      version: 1,
      rollback: false,
    });
  });

  it.each([
    ['an unknown track', 'track', 404, 'TRACK_NOT_FOUND'],
    ['an unknown stage', 'stage', 400, 'UNKNOWN_STAGE'],
    ['a digest the ledger never recorded', 'digest', 404, 'ARTIFACT_NOT_FOUND'],
    ['a later stage before the earlier one', 'order', 409, 'STAGE_OUT_OF_ORDER'],
  ])(
    'when scheduling with %s (%s), then %i %s and nothing is stored or published',
    async (_case, what, status, code) => {
      const t = await p.track();
      const digest = what === 'digest' ? newDigest() : await builtDigest();
      const body = {
        track_id: what === 'track' ? randomUUID() : t.id,
        manifest_digest: digest,
        stage: what === 'stage' ? 'qa' : what === 'order' ? 'staging' : 'dev',
      };

      const res = await p.http.call('POST', '/api/promotions/schedule', body);

      expect(res.status).toBe(status);
      expect(res.body.error?.code).toBe(code);
      await expect(count('artifact_promotions WHERE manifest_digest = $1', [digest])).resolves.toBe(0);
      await expect(count('governance_runs WHERE manifest_digest = $1', [digest])).resolves.toBe(0);
      // A later write's event is the marker: once it is seen, an event for the refused one would have been too.
      const marker = await p.schedule(t, await builtDigest(), 'dev');
      await waitFor(() => promotionEvents.events.some((e) => e.payload.promotion_id === marker.body.id), {
        timeoutMs: 15_000,
      });
      expect(promotionEvents.events.filter((e) => e.payload.manifest_digest === digest)).toEqual([]);
    },
  );

  it.each([
    ['a malformed digest', { manifest_digest: 'latest' }],
    ['a stage with a newline', { stage: 'de\nv' }],
    ['a note past 4096 characters', { note: 'x'.repeat(4097) }],
  ])('when the body has %s, then 400 VALIDATION_FAILED', async (_case, over) => {
    const t = await p.track();
    const res = await p.http.call('POST', '/api/promotions/schedule', {
      track_id: t.id,
      manifest_digest: 'sha256:abc',
      stage: 'dev',
      ...over,
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('VALIDATION_FAILED');
  });

  it('when the digest is already in flight in the stage, then 409 PROMOTION_IN_FLIGHT', async () => {
    const t = await p.track();
    const digest = await builtDigest();
    expect((await p.schedule(t, digest, 'dev')).status).toBe(201);
    const again = await p.schedule(t, digest, 'dev');
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('PROMOTION_IN_FLIGHT');
  });
});

describe('the run drives the promotion', () => {
  it('when the run succeeds, then the promotion becomes active with it, the previous one is superseded, and redelivering every run event changes nothing', async () => {
    const t = await p.track();
    const first = await p.activate(t, await builtDigest(), 'dev');
    const digest = await builtDigest();
    const scheduled = (await p.schedule(t, digest, 'dev')).body;
    const runPath = `/api/governance/runs/${scheduled.governance_run_id}/status`;

    await p.http.ok('POST', runPath, { status: 'in_progress' });
    await waitFor(async () => (await p.get(scheduled.id)).status === 'in_progress', { timeoutMs: 15_000 });
    await p.http.ok('POST', runPath, { status: 'in_progress', step_position: 0 });
    await p.http.ok('POST', runPath, { status: 'succeeded', step_position: 0 });
    await p.http.ok('POST', runPath, { status: 'succeeded' });
    const active = await waitFor(
      async () => {
        const now = await p.get(scheduled.id);
        return now.status === 'active' ? now : undefined;
      },
      { timeoutMs: 15_000, what: 'the promotion to become active' },
    );

    expect(active.audit_log.map((a) => [a.action, a.from_status, a.to_status])).toEqual([
      ['scheduled', null, 'scheduled'],
      ['run_started', 'scheduled', 'in_progress'],
      ['activated', 'in_progress', 'active'],
    ]);
    expect(await p.get(first.id)).toMatchObject({ status: 'superseded' });
    const changed = await waitFor(
      () => {
        const seen = promotionEvents.events.filter(
          (e) => e.type === 'promotion.status_changed' && e.payload.promotion_id === scheduled.id,
        );
        return seen.length === 2 ? seen : undefined;
      },
      { timeoutMs: 15_000, what: 'two status changes' },
    );
    expect(changed[1].payload).toMatchObject({
      from_status: 'in_progress',
      to_status: 'active',
      stage: 'dev',
      tier: 'dev',
      manifest_digest: digest,
      version: active.version,
      rollback: false,
    });

    // Replays of every run event of this run, under new event ids (so the inbox does not hide them).
    // governance.run.started has no handler here, so only the events governance applies can reach its inbox.
    const replays = runEvents.events.filter(
      (e) => e.payload.run_id === scheduled.governance_run_id && e.type !== 'governance.run.started',
    );
    expect(replays.map((e) => e.type)).toEqual([
      'governance.run.transitioned',
      'governance.run.transitioned',
      'governance.run.transitioned',
      'governance.run.transitioned',
      'governance.run.completed',
    ]);
    // The promotion, not the run, asks for the redeploy: its approvals may still be due when the run succeeds.
    expect(replays.find((e) => e.type === 'governance.run.completed')?.payload).toMatchObject({
      status: 'succeeded',
      promotion_id: scheduled.id,
      redeploy_requested: false,
    });
    for (const e of replays)
      await h.waitForInbox(
        await h.publishFromPolicy(e.type as EventType, e.payload as EventPayload<EventType>),
      );

    expect(await p.get(scheduled.id)).toEqual(active);
    expect(await p.get(first.id)).toMatchObject({ status: 'superseded' });
  });

  it('when the run fails, then the promotion is rolled back and the previous active promotion stays active', async () => {
    const t = await p.track();
    const first = await p.activate(t, await builtDigest(), 'dev');
    const second = (await p.schedule(t, await builtDigest(), 'dev')).body;

    const done = await p.finishRun(second, 'failed');

    expect(done).toMatchObject({
      status: 'rolled_back',
      run_status: 'failed',
      reason: 'governance run failed',
    });
    expect(await p.get(first.id)).toMatchObject({ status: 'active' });
  });

  it('when the digest is active in the previous stage, then the next stage accepts it', async () => {
    const t = await p.track();
    const digest = await builtDigest();
    await p.activate(t, digest, 'dev');
    const staging = await p.schedule(t, digest, 'staging');
    expect(staging.status).toBe(201);
  });
});

describe('approvals', () => {
  const admin2: Identity = { subject: 'admin2@example.com', role: 'admin' };
  const op2: Identity = { subject: 'op2@example.com', role: 'operator' };
  const op3: Identity = { subject: 'op3@example.com', role: 'operator' };

  async function gated(): Promise<{ t: Track; promotion: PromotionDetail }> {
    const t = await p.track({ stage_approvals: { dev: { required: 2, role: 'admin', with_role: 1 } } });
    const promotion = (await p.schedule(t, await builtDigest(), 'dev')).body;
    return { t, promotion };
  }

  it('when the run succeeds before the approvals, then the promotion waits and becomes active with the last approval', async () => {
    const { promotion } = await gated();
    const afterRun = await p.finishRun(promotion, 'succeeded');
    expect(afterRun.status).toBe('in_progress');

    const one = await p.http.ok<PromotionDetail>(
      'POST',
      `/api/promotions/${promotion.id}/approve`,
      { note: 'ok' },
      op2,
    );
    expect(one.status).toBe('in_progress');
    const two = await p.http.ok<PromotionDetail>(
      'POST',
      `/api/promotions/${promotion.id}/approve`,
      {},
      ADMIN,
    );
    expect(two.status).toBe('active');
    expect(two.approvals.map((a) => [a.approver, a.decision])).toEqual([
      [op2.subject, 'approved'],
      [ADMIN.subject, 'approved'],
    ]);
    const approved = await waitFor(
      () => {
        const seen = promotionEvents.events.filter(
          (e) => e.type === 'promotion.approved' && e.payload.promotion_id === promotion.id,
        );
        return seen.length === 2 ? seen : undefined;
      },
      { timeoutMs: 15_000, what: 'two promotion.approved events' },
    );
    expect(approved[1].payload).toMatchObject({ approved_by: ADMIN.subject, status: 'active', approvals: 2 });
  });

  it('when the approvals come first, then the promotion is approved and the run success activates it', async () => {
    const { promotion } = await gated();
    await p.http.ok('POST', `/api/promotions/${promotion.id}/approve`, {}, admin2);
    const both = await p.http.ok<PromotionDetail>('POST', `/api/promotions/${promotion.id}/approve`, {}, op2);
    expect(both.status).toBe('approved');
    expect((await p.finishRun(both, 'succeeded')).status).toBe('active');
  });

  it('when the requester approves their own promotion, then 403 SELF_APPROVAL and nothing is recorded', async () => {
    const { promotion } = await gated();
    const res = await p.http.call('POST', `/api/promotions/${promotion.id}/approve`, {}, OWNER);
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('SELF_APPROVAL');
    expect((await p.get(promotion.id)).approvals).toEqual([]);
  });

  it('when the last seat needs the role and the approver lacks it, then 403 APPROVER_ROLE_REQUIRED', async () => {
    const { promotion } = await gated();
    await p.http.ok('POST', `/api/promotions/${promotion.id}/approve`, {}, op2);
    const res = await p.http.call('POST', `/api/promotions/${promotion.id}/approve`, {}, op3);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'APPROVER_ROLE_REQUIRED', details: { role: 'admin' } });
  });

  it('when the same approver approves twice, then 409 ALREADY_DECIDED', async () => {
    const { promotion } = await gated();
    await p.http.ok('POST', `/api/promotions/${promotion.id}/approve`, {}, op2);
    const res = await p.http.call('POST', `/api/promotions/${promotion.id}/approve`, {}, op2);
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('ALREADY_DECIDED');
  });

  it('when two approvals race at the same version, then one wins and the other gets 409 VERSION_CONFLICT', async () => {
    const { promotion } = await gated();
    const answers = await Promise.all([
      p.http.call('POST', `/api/promotions/${promotion.id}/approve`, { version: 1 }, admin2),
      p.http.call('POST', `/api/promotions/${promotion.id}/approve`, { version: 1 }, op2),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error?.code).toBe('VERSION_CONFLICT');
    expect((await p.get(promotion.id)).approvals).toHaveLength(1);
  });

  it('when an unknown or closed promotion is approved, then 404 PROMOTION_NOT_FOUND or 409 INVALID_TRANSITION', async () => {
    const missing = await p.http.call('POST', `/api/promotions/${randomUUID()}/approve`, {}, op2);
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('PROMOTION_NOT_FOUND');
    const { promotion } = await gated();
    await p.finishRun(promotion, 'failed');
    const closed = await p.http.call('POST', `/api/promotions/${promotion.id}/approve`, {}, op2);
    expect(closed.status).toBe(409);
    expect(closed.body.error).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'rolled_back' } });
  });
});

describe('reject and blocks', () => {
  it('when a promotion is rejected, then it fails, its run is cancelled, and the digest cannot be scheduled on the track until an admin lifts the block', async () => {
    const t = await p.track();
    const digest = await builtDigest();
    const promotion = (await p.schedule(t, digest, 'dev')).body;

    const rejected = await p.http.ok<PromotionDetail>(
      'POST',
      `/api/promotions/${promotion.id}/reject`,
      { note: 'CVE in base image' },
      { subject: 'lead@example.com', role: 'operator' },
    );

    expect(rejected).toMatchObject({
      status: 'rejected',
      reason: 'rejected by lead@example.com: CVE in base image',
    });
    const run = await p.http.ok('GET', `/api/governance/runs/${promotion.governance_run_id}`);
    expect(run).toMatchObject({ status: 'cancelled' });
    const again = await p.schedule(t, digest, 'dev');
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('DIGEST_BLOCKED');

    const blocks = await p.http.ok<Page<PromotionBlock>>('GET', `/api/promotions/blocks?track_id=${t.id}`);
    expect(blocks.items).toEqual([
      expect.objectContaining({ manifest_digest: digest, kind: 'rejected', promotion_id: promotion.id }),
    ]);
    const block = blocks.items[0];
    const byOperator = await p.http.call('POST', `/api/promotions/blocks/${block.id}/lift`, {});
    expect(byOperator.status).toBe(403);
    expect(byOperator.body.error?.code).toBe('ADMIN_REQUIRED');
    const lifted = await p.http.ok<PromotionBlock>(
      'POST',
      `/api/promotions/blocks/${block.id}/lift`,
      { note: 'fixed' },
      ADMIN,
    );
    expect(lifted).toMatchObject({ lifted_by: ADMIN.subject, lift_note: 'fixed' });
    const twice = await p.http.call('POST', `/api/promotions/blocks/${block.id}/lift`, {}, ADMIN);
    expect(twice.status).toBe(409);
    expect(twice.body.error?.code).toBe('BLOCK_ALREADY_LIFTED');

    expect((await p.schedule(t, digest, 'dev')).status).toBe(201);
    const blockEvents = await waitFor(
      () => {
        const seen = promotionEvents.events.filter(
          (e) => e.type === 'promotion.block.changed' && e.payload.block_id === block.id,
        );
        return seen.length === 2 ? seen : undefined;
      },
      { timeoutMs: 15_000, what: 'the block placed and lifted events' },
    );
    expect(blockEvents.map((e) => e.payload.active)).toEqual([true, false]);
  });

  it('when a digest is held by a rollback, then its open promotion in the next stage is rejected and its run cancelled, and other tracks are untouched', async () => {
    const t = await p.track();
    const other = await p.track();
    const bad = await builtDigest();
    await p.activate(t, await builtDigest(), 'dev');
    await p.activate(t, bad, 'dev');
    const staging = (await p.schedule(t, bad, 'staging')).body;
    const elsewhere = (await p.schedule(other, bad, 'dev')).body;

    await p.http.ok('POST', '/api/promotions/rollback', { track_id: t.id, stage: 'dev' });

    expect(await p.get(staging.id)).toMatchObject({
      status: 'rejected',
      reason: `digest ${bad} blocked on the track (rollback_hold)`,
    });
    const run = await p.http.ok('GET', `/api/governance/runs/${staging.governance_run_id}`);
    expect(run).toMatchObject({ status: 'cancelled' });
    expect(await p.get(elsewhere.id)).toMatchObject({ status: 'scheduled' });
  });
});

describe('POST /api/promotions/rollback', () => {
  it('when a stage is rolled back, then the last good digest is re-activated as a rollback record and the bad digest is held', async () => {
    const t = await p.track();
    const good = await builtDigest();
    const bad = await builtDigest();
    const first = await p.activate(t, good, 'dev');
    const second = await p.activate(t, bad, 'dev');

    const res = await p.http.call<PromotionDetail>('POST', '/api/promotions/rollback', {
      track_id: t.id,
      stage: 'dev',
      note: 'error rate up',
    });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      manifest_digest: good,
      stage: 'dev',
      status: 'active',
      rollback: true,
      rollback_of: second.id,
      governance_run_id: null,
    });
    expect(await p.get(second.id)).toMatchObject({ status: 'rolled_back' });
    expect(await p.get(first.id)).toMatchObject({ status: 'superseded' });
    const rescheduled = await p.schedule(t, bad, 'dev');
    expect(rescheduled.status).toBe(409);
    expect(rescheduled.body.error).toMatchObject({
      code: 'DIGEST_BLOCKED',
      details: { kind: 'rollback_hold' },
    });
    const event = await waitFor(
      () =>
        promotionEvents.events.find(
          (e) => e.type === 'promotion.scheduled' && e.payload.promotion_id === res.body.id,
        ),
      { timeoutMs: 15_000, what: 'the rollback record event' },
    );
    expect(event.payload).toMatchObject({ status: 'active', rollback: true, rollback_of: second.id });
  });

  it('when nothing is active or no earlier good digest exists, then 409 NOTHING_ACTIVE or NO_ROLLBACK_TARGET', async () => {
    const t = await p.track();
    const none = await p.http.call('POST', '/api/promotions/rollback', { track_id: t.id, stage: 'dev' });
    expect(none.status).toBe(409);
    expect(none.body.error?.code).toBe('NOTHING_ACTIVE');
    await p.activate(t, await builtDigest(), 'dev');
    const alone = await p.http.call('POST', '/api/promotions/rollback', { track_id: t.id, stage: 'dev' });
    expect(alone.status).toBe(409);
    expect(alone.body.error?.code).toBe('NO_ROLLBACK_TARGET');
  });
});

describe('GET /api/promotions/history', () => {
  it('when filtering by track, digest, stage and status with a small limit, then keyset pages cover each match once', async () => {
    const t = await p.track();
    const digests = [await builtDigest(), await builtDigest(), await builtDigest()];
    const made = [];
    for (const d of digests) made.push((await p.schedule(t, d, 'dev')).body);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<PromotionDetail> = await p.http.ok(
        'GET',
        `/api/promotions/history?track_id=${t.id}&stage=dev&status=scheduled&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(made.map((m) => m.id));
    expect(pages).toBe(2);

    const one = await p.http.ok<Page<PromotionDetail>>(
      'GET',
      `/api/promotions/history?manifest_digest=${digests[1]}`,
    );
    expect(one.items.map((i) => i.id)).toEqual([made[1].id]);
  });

  it.each([
    ['/api/promotions/history?cursor=garbage', 400, 'INVALID_CURSOR'],
    ['/api/promotions/history?status=done', 400, 'VALIDATION_FAILED'],
    ['/api/promotions/not-a-uuid', 400, 'INVALID_ID'],
    [`/api/promotions/${randomUUID()}`, 404, 'PROMOTION_NOT_FOUND'],
  ])('when GET %s, then %i %s', async (path, status, code) => {
    const res = await p.http.call('GET', path);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
  });
});

// The list's stored renderings (`catalog_entries.list_row`) never say anything the live entry does not: after each
// kind of write that changes an entry (a run, a server edit, a certification, a tier's requirements, a promotion) the
// list page equals the entry built live, a window that ends makes the row stale and the list builds it live until the
// sweep re-renders it, and a row never rendered (from before list rows) is built live, then rendered by the sweep.
import { randomUUID } from 'node:crypto';
import type { MarketplaceCatalogEntry, Server } from '@mcp-host/contracts';
import { publishTestEvent, waitFor } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { EvaluationExpirySweeper } from '../src/evaluations/evaluation-expiry.sweeper';
import { FakeClock, apiCall, artifactRun, projectedServer } from './support/catalog-fixtures';

jest.setTimeout(60_000);

const clock = new FakeClock();
let h: Harness;

beforeAll(async () => {
  h = await startHarness('marketplace_rows', (env) => MarketplaceModule.forRoot({ env, clock }), {
    EVALUATION_EXPIRY_SWEEP_MS: '0',
  });
});

afterAll(async () => {
  await h?.close();
});

const call = apiCall(() => h);

let seq = 0;
async function server(): Promise<Server> {
  seq += 1;
  return projectedServer(h, { name: `rows-${Date.now().toString(36)}${seq}`, server_type: `RowType${seq}` });
}

/** The run's entry as the list shows it (stored rendering or live) and as GET /:id builds it live. */
async function listedAndLive(
  s: Server,
  runId: string,
): Promise<{ listed: MarketplaceCatalogEntry; live: MarketplaceCatalogEntry }> {
  const page = await call<{ items: MarketplaceCatalogEntry[] }>(
    'GET',
    `/api/marketplace?server_type=${s.server_type}&limit=200`,
  );
  expect(page.status).toBe(200);
  const listed = page.body.items.find((e) => e.artifact_run_id === runId);
  const live = await call<MarketplaceCatalogEntry>('GET', `/api/marketplace/${runId}`);
  expect(live.status).toBe(200);
  expect(listed).toBeDefined();
  return { listed: listed as MarketplaceCatalogEntry, live: live.body };
}

async function stored(runId: string): Promise<{ list_row: string | null; fresh_until: Date | null }> {
  const [row] = await h.serviceDb.query<{ list_row: string | null; fresh_until: Date | null }[]>(
    'SELECT list_row, list_row_fresh_until AS fresh_until FROM catalog_entries WHERE entry_id = $1',
    [runId],
  );
  return row;
}

describe('stored list rows', () => {
  it('when each kind of write changes an entry, then the list shows exactly the entry built live', async () => {
    const tier = `rows${Date.now().toString(36)}`;
    const s = await server();
    const run = artifactRun(s);
    await h.waitForInbox(
      await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' }),
    );
    const afterRun = await listedAndLive(s, run.id);
    expect(afterRun.listed).toEqual(afterRun.live);
    expect((await stored(run.id)).list_row).not.toBeNull();

    // A server edit: the target tier arrives, and with it the tier's (empty) requirements.
    expect(
      (await call('PUT', `/api/evaluations/requirements/${tier}`, { requirements: ['scan'] })).status,
    ).toBe(200);
    const updated = await h.updateServer(s.id, { tier, version: s.version });
    await waitFor(async () => (await listedAndLive(s, run.id)).listed.certifications.target_tier === tier, {
      timeoutMs: 15_000,
      what: 'the server edit in the list',
    });
    const afterEdit = await listedAndLive(s, run.id);
    expect(afterEdit.listed).toEqual(afterEdit.live);
    expect(afterEdit.listed.certifications.required).toEqual(['scan']);
    expect(updated.tier).toBe(tier);

    // A certification, with a window.
    const cert = await call<{ id: string; version: number }>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier,
      policy_requirement: 'scan',
      status: 'pass',
      valid_until: new Date(clock.now().getTime() + 3_600_000).toISOString(),
    });
    expect(cert.status).toBe(200);
    const afterCert = await listedAndLive(s, run.id);
    expect(afterCert.listed).toEqual(afterCert.live);
    expect(afterCert.listed.certifications.certified.map((c) => c.certification_id)).toEqual([cert.body.id]);
    expect((await stored(run.id)).fresh_until?.getTime()).toBe(clock.now().getTime() + 3_600_000);

    // The tier's requirements change: every entry of the tier is re-rendered.
    const req = await call<{ version: number }>('GET', `/api/evaluations/requirements/${tier}`);
    expect(
      (
        await call('PUT', `/api/evaluations/requirements/${tier}`, {
          requirements: ['scan', 'sbom'],
          version: req.body.version,
        })
      ).status,
    ).toBe(200);
    const afterTier = await listedAndLive(s, run.id);
    expect(afterTier.listed).toEqual(afterTier.live);
    expect(afterTier.listed.certifications.missing.map((m) => m.policy_requirement)).toEqual(['sbom']);

    // A promotion of the run's digest.
    const promotionId = randomUUID();
    await h.waitForInbox(
      await publishTestEvent(h.kafka.brokers, 'promotion.scheduled', {
        promotion_id: promotionId,
        track_id: randomUUID(),
        manifest_digest: run.manifest_digest as string,
        stage: 'staging',
        tier: 'gold',
        artifact_run_id: run.id,
        status: 'scheduled',
        governance_run_id: null,
        note: null,
        scheduled_by: 'ops',
        version: 1,
        scheduled_at: '2026-06-01T00:00:00.000Z',
      }),
    );
    const afterPromotion = await listedAndLive(s, run.id);
    expect(afterPromotion.listed).toEqual(afterPromotion.live);
    expect(afterPromotion.listed.promotion_history.map((p) => p.promotion_id)).toEqual([promotionId]);
  });

  it('when a certification window ends, then the list reads it expired at once and the sweep re-renders the row', async () => {
    const s = await server();
    const run = artifactRun(s);
    await h.waitForInbox(
      await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' }),
    );
    const cert = await call<{ id: string }>('POST', `/api/artifacts/${run.id}/evaluations`, {
      tier: 'gold',
      policy_requirement: 'scan',
      status: 'pass',
      valid_until: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    const before = (await stored(run.id)).list_row;

    clock.advance(61_000);

    // Nothing was written: the stored row still says certified, the list does not.
    expect((await stored(run.id)).list_row).toBe(before);
    const stale = await listedAndLive(s, run.id);
    expect(stale.listed).toEqual(stale.live);
    expect(stale.listed.certifications.expired.map((c) => c.certification_id)).toEqual([cert.body.id]);
    expect(stale.listed.certifications.certified).toEqual([]);

    await h.service.app.get(EvaluationExpirySweeper).sweep();

    // The sweep announced the expiry, re-graded the run off gold and stored that rendering.
    const after = await stored(run.id);
    const swept = await listedAndLive(s, run.id);
    expect(swept.live.health.issues).toContain('evaluation-expired:gold:scan');
    expect(after.fresh_until).toBeNull();
    expect(JSON.parse(after.list_row as string)).toEqual(swept.live);
    expect(swept.listed).toEqual(swept.live);
  });

  it('when a row was never rendered, then the list builds it live and the sweep renders it', async () => {
    const s = await server();
    const run = artifactRun(s);
    await h.waitForInbox(
      await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' }),
    );
    await h.serviceDb.query('UPDATE catalog_entries SET list_row = NULL WHERE server_id = $1', [s.id]);

    const unrendered = await listedAndLive(s, run.id);
    expect(unrendered.listed).toEqual(unrendered.live);

    await h.service.app.get(EvaluationExpirySweeper).sweep();

    expect(JSON.parse((await stored(run.id)).list_row as string)).toEqual(unrendered.live);
  });
});

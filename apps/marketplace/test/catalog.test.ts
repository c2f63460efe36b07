// The marketplace's server projection and GET /api/marketplace, on real Postgres and the embedded broker.
import { randomUUID } from 'node:crypto';
import { marketplaceCatalogEntrySchema, type ArtifactRun, type Server } from '@mcp-host/contracts';
import { publishTestEvent, waitFor } from '@mcp-host/platform/testing';
import { MarketplaceModule } from '../src';
import type { CatalogEntry } from '../src/catalog/catalog.dto';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { artifactRun, storeRuns } from './support/catalog-fixtures';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('marketplace_test', (env) => MarketplaceModule.forRoot({ env }));
});

afterAll(async () => {
  await h?.close();
});

/** A catalog page or an error body; each test asserts the half it expects. */
interface Body {
  items: CatalogEntry[];
  next_cursor: string | null;
  error: { code: string; message: string };
}

async function get(path: string): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${h.url}${path}`);
  return { status: res.status, body: (await res.json()) as Body };
}

let seq = 0;
/** A fresh name and server type per call, so tests sharing the database filter only their own entries. */
function unique(): { name: string; type: string } {
  seq += 1;
  const suffix = `${Date.now().toString(36)}${seq}`;
  return { name: `mk-${suffix}`, type: `Type${suffix}` };
}

async function entriesOfType(type: string): Promise<CatalogEntry[]> {
  return (await get(`/api/marketplace?server_type=${type}&limit=200`)).body.items;
}

async function registered(body: Record<string, unknown> = {}): Promise<Server> {
  const { name, type } = unique();
  const server = await h.registerServer({ name, server_type: type, ...body });
  await waitFor(async () => (await entriesOfType(server.server_type)).length > 0, {
    timeoutMs: 15_000,
    what: 'the registered server in the catalog',
  });
  return server;
}

/** A run built for two platforms with healthy credentials. */
function artifact(server: Server, over: Partial<ArtifactRun> = {}): ArtifactRun {
  return artifactRun(server, over, { platforms: ['linux/amd64', 'linux/arm64'], credentials: 'healthy' });
}

describe('server projection', () => {
  it('when a server is registered, updated and deleted, then the catalog follows each step', async () => {
    const server = await registered();
    expect(await entriesOfType(server.server_type)).toEqual([
      expect.objectContaining({ server_id: server.id, server_name: server.name }),
    ]);

    const { name } = unique();
    await h.updateServer(server.id, { name, version: 1 });
    await expect(
      waitFor(async () => (await entriesOfType(server.server_type)).find((e) => e.server_name === name), {
        timeoutMs: 15_000,
      }),
    ).resolves.toMatchObject({ server_id: server.id });

    await h.deleteServer(server.id);
    await waitFor(async () => (await entriesOfType(server.server_type)).length === 0, {
      timeoutMs: 15_000,
      what: 'the deleted server to leave the catalog',
    });
  });

  it('when an older snapshot arrives after a newer one, then the catalog keeps the newer one', async () => {
    const server = await registered();
    const { name } = unique();
    const v2 = await h.updateServer(server.id, { name, version: 1 });
    await waitFor(async () => (await entriesOfType(server.server_type))[0]?.server_name === name, {
      timeoutMs: 15_000,
    });

    await h.waitForInbox(await h.publishFromPolicy('server.registered', server));
    await h.waitForInbox(
      await h.publishFromPolicy('server.updated', { ...v2, name: 'stale-name', version: 1 }),
    );

    expect((await entriesOfType(server.server_type)).map((e) => e.server_name)).toEqual([name]);
  });

  it('when an update arrives after the deletion, then the server stays out of the catalog', async () => {
    const server = await registered();
    await h.deleteServer(server.id);
    await waitFor(async () => (await entriesOfType(server.server_type)).length === 0, { timeoutMs: 15_000 });

    await h.waitForInbox(await h.publishFromPolicy('server.updated', { ...server, version: 9 }));

    expect(await entriesOfType(server.server_type)).toEqual([]);
  });
});

describe('artifact ledger', () => {
  it('when the build-service records an artifact run, then it becomes a catalog entry with its derived health', async () => {
    const server = await registered();
    const run = artifact(server);
    await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' });
    const entry = await waitFor(
      async () => (await entriesOfType(server.server_type)).find((e) => e.artifact_run_id === run.id),
      { timeoutMs: 15_000, what: 'the recorded artifact in the catalog' },
    );
    expect(entry).toMatchObject({
      server_id: server.id,
      manifest_digest: run.manifest_digest,
      registry_image: run.registry_image,
    });
    // The same run delivered again replaces its entry instead of adding one.
    await publishTestEvent(h.kafka.brokers, 'artifact.recorded', run, { source: 'build-service' });
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (await entriesOfType(server.server_type)).filter((e) => e.artifact_run_id === run.id),
    ).toHaveLength(1);
  });
});

describe('GET /api/marketplace', () => {
  it('when a server has no build, then it is listed once on the watchlist with no artifact data', async () => {
    const server = await registered();
    const [entry] = await entriesOfType(server.server_type);
    expect(entry).toEqual({
      artifact_run_id: null,
      server_id: server.id,
      server_name: server.name,
      server_type: server.server_type,
      tier: `watchlist:${server.server_type}`,
      status: null,
      source_repo: null,
      source_branch: null,
      source_revision: null,
      registry_image: null,
      manifest_tag: null,
      manifest_digest: null,
      architectures: [],
      multi_arch: false,
      credential_health_status: null,
      platforms: [],
      health: { grade: 'watchlist', issues: ['no-build'] },
      active_promotion: null,
      promotion_history: [],
      certifications: {
        target_tier: null,
        required: [],
        certified: [],
        pending: [],
        failed: [],
        expired: [],
        missing: [],
      },
      completed_at: null,
      updated_at: server.updated_at,
    });
  });

  it('when a server has builds, then each run is an entry, newest first, with its derived tier and health', async () => {
    const server = await registered();
    const gold = artifact(server, { completed_at: '2026-01-03T00:00:00.000Z' });
    const failed = artifact(server, { status: 'failed', completed_at: '2026-01-02T00:00:00.000Z' });
    const silver = artifact(server, {
      completed_at: '2026-01-01T00:00:00.000Z',
      auth_refresh_attempted: true,
      auth_refresh_succeeded: false,
      credential_health_status: 'expired',
    });
    await storeRuns(h, silver, failed, gold);

    const entries = await entriesOfType(server.server_type);
    expect(entries.map((e) => [e.artifact_run_id, e.tier, e.status, e.health.issues])).toEqual([
      [gold.id, `gold:${server.server_type}`, 'succeeded', []],
      [failed.id, `watchlist:${server.server_type}`, 'failed', ['build-failed']],
      [
        silver.id,
        `silver:${server.server_type}`,
        'succeeded',
        ['credentials-expired', 'auth-refresh-failed'],
      ],
    ]);
    expect(entries[0]).toMatchObject({
      source_repo: gold.source_repo,
      manifest_digest: gold.manifest_digest,
      registry_image: gold.registry_image,
      architectures: ['linux/amd64', 'linux/arm64'],
      multi_arch: true,
      credential_health_status: 'healthy',
      platforms: gold.platforms,
      completed_at: gold.completed_at,
    });
    // An entry with a build is exactly the contracts' catalog entry.
    for (const e of entries) expect(marketplaceCatalogEntrySchema.safeParse(e).error).toBeUndefined();
  });

  it('when filtered by status and by tier in any case, then only matching entries come back', async () => {
    const server = await registered();
    const ok = artifact(server);
    const failed = artifact(server, { status: 'failed', completed_at: '2026-01-05T00:00:00.000Z' });
    await storeRuns(h, ok, failed);
    const other = await registered();
    const type = server.server_type;

    const byStatus = await get(`/api/marketplace?server_type=${type}&status=failed`);
    expect(byStatus.body.items.map((e) => e.artifact_run_id)).toEqual([failed.id]);

    const byTier = await get(`/api/marketplace?tier=${encodeURIComponent(`GOLD:${type.toUpperCase()}`)}`);
    expect(byTier.body.items.map((e) => e.artifact_run_id)).toEqual([ok.id]);

    const watch = await get(`/api/marketplace?tier=watchlist:${other.server_type.toLowerCase()}`);
    expect(watch.body.items.map((e) => e.server_id)).toEqual([other.id]);
  });

  it('when searching with q, then names and image references match as substrings, digests by their start', async () => {
    const server = await registered();
    const run = artifact(server, { registry_image: `registry.example:5000/team-zeta/${server.name}:v7` });
    await storeRuns(h, run);
    const bare = await registered();

    const byName = await get(`/api/marketplace?q=${bare.name.slice(3).toUpperCase()}`);
    expect(byName.body.items.map((e) => e.server_id)).toEqual([bare.id]);

    const digest = run.manifest_digest!;
    const byShortDigest = await get(`/api/marketplace?q=${digest.slice(7, 19).toUpperCase()}`);
    expect(byShortDigest.body.items.map((e) => e.artifact_run_id)).toEqual([run.id]);
    const byAlgorithm = await get(`/api/marketplace?q=${encodeURIComponent(digest.slice(0, 23))}`);
    expect(byAlgorithm.body.items.map((e) => e.artifact_run_id)).toEqual([run.id]);
    const otherAlgorithm = await get(
      `/api/marketplace?q=${encodeURIComponent(`sha512:${digest.slice(7, 23)}`)}`,
    );
    expect(otherAlgorithm.body.items).toEqual([]);
    // The middle of a digest is not something an operator quotes: digests match by their start only.
    const middle = await get(`/api/marketplace?q=${digest.slice(20, 40)}`);
    expect(middle.body.items).toEqual([]);

    const byImage = await get(`/api/marketplace?q=TEAM-ZETA&server_type=${server.server_type}`);
    expect(byImage.body.items.map((e) => e.artifact_run_id)).toEqual([run.id]);

    const wildcard = await get(`/api/marketplace?q=${encodeURIComponent('%')}`);
    expect(wildcard.body.items).toEqual([]);
  });

  it('when there are more entries than the limit, then keyset pages cover each entry exactly once', async () => {
    const first = await registered();
    const runs = Array.from({ length: 5 }, (_, i) =>
      artifact(first, { completed_at: `2026-02-0${i + 1}T00:00:00.000Z` }),
    );
    await storeRuns(h, ...runs);
    const type = first.server_type;
    const second = await registered({ server_type: type });
    await waitFor(async () => (await entriesOfType(type)).length === 6, { timeoutMs: 15_000 });

    const seen: CatalogEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(
        `/api/marketplace?server_type=${type}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(seen.map((e) => e.artifact_run_id ?? e.server_id).sort()).toEqual(
      [...runs.map((r) => r.id), second.id].sort(),
    );
  });

  it('when no limit is given, then 50 entries come back', async () => {
    const server = await registered();
    await storeRuns(h, ...Array.from({ length: 51 }, () => artifact(server)));
    const res = await get(`/api/marketplace?server_type=${server.server_type}`);
    expect(res.body.items).toHaveLength(50);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });

  it('when one entry is fetched by artifact run id, then it matches its row in the list', async () => {
    const server = await registered();
    const run = artifact(server);
    await storeRuns(h, run);
    const [listed] = await entriesOfType(server.server_type);
    const res = await fetch(`${h.url}/api/marketplace/${run.id}`);
    expect(res.status).toBe(200);
    await expect(res.json()).resolves.toEqual(listed);
  });

  it.each([
    [`/api/marketplace/${randomUUID()}`, 404, 'CATALOG_ENTRY_NOT_FOUND'],
    ['/api/marketplace/not-a-uuid', 400, 'INVALID_ID'],
  ])('when GET %s, then %i %s', async (path, status, code) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('when the limit is above 200, then it is clamped to 200 instead of refused', async () => {
    const server = await registered();
    await storeRuns(h, ...Array.from({ length: 205 }, () => artifact(server)));
    const res = await get(`/api/marketplace?server_type=${server.server_type}&limit=5000`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(200);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });

  it.each([
    ['limit=0', 'VALIDATION_FAILED'],
    ['limit=ten', 'VALIDATION_FAILED'],
    ['cursor=bm90LWpzb24', 'INVALID_CURSOR'],
  ])('when the query has %s, then 400 %s', async (query, code) => {
    const res = await get(`/api/marketplace?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  });
});

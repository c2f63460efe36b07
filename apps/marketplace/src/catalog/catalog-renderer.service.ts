// Builds catalog entries from the stored rows, and keeps each entry's pre-rendered list row (`list_row`) in step with
// its signals: every write that can change what an entry says (a run, a server, a certification, a tier's
// requirements, a promotion) re-renders that server's entries in its own transaction, under the server's lock, so a
// list page is read without building anything.
import { Injectable } from '@nestjs/common';
import type { MarketplaceCatalogEntry } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { Clock } from '../common/clock';
import { EvaluationRepository, type CertificationRow } from '../evaluations/evaluation.repository';
import { TierRequirementRepository } from '../evaluations/tier-requirement.repository';
import { buildEntry } from './catalog-entry';
import { CatalogRepository, type CatalogRow } from './catalog.repository';
import { PromotionRepository, type PromotionRow } from './promotion.repository';

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The per-server lock that orders every write of a server's catalog rows (grading and rendering), taken in id order
 * so two writers never wait on each other; held to commit.
 */
export async function lockServers(m: Manager, serverIds: readonly string[]): Promise<void> {
  if (serverIds.length === 0) return;
  await m.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('marketplace-health:' || id, 0))
       FROM (SELECT id FROM unnest($1::text[]) AS id ORDER BY id) ids`,
    [[...new Set(serverIds)].sort()],
  );
}

@Injectable()
export class CatalogRenderer {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly requirements: TierRequirementRepository,
    private readonly promotions: PromotionRepository,
    private readonly clock: Clock,
  ) {}

  /** Builds these rows' entries as of `now`, with one query each for certifications, promotions and tiers. */
  async build(
    m: Manager,
    rows: readonly CatalogRow[],
    now: Date,
  ): Promise<{ entry: MarketplaceCatalogEntry; freshUntil: Date | null }[]> {
    if (rows.length === 0) return [];
    const runIds = rows.flatMap((r) => (r.artifact_run_id ? [r.artifact_run_id] : []));
    const digests = [...new Set(rows.flatMap((r) => (r.manifest_digest ? [r.manifest_digest] : [])))];
    const reads = [
      () => this.evaluations.forArtifacts(m, runIds, now),
      () => this.promotions.forDigests(m, digests),
      () => this.requirements.all(m),
    ] as const;
    // A transaction holds one connection, where pg only queues concurrent statements (and pg 9 refuses them);
    // a pool-backed reader runs the three on their own connections.
    const [certs, promotions, tiers] = m.queryRunner
      ? [await reads[0](), await reads[1](), await reads[2]()]
      : await Promise.all([reads[0](), reads[1](), reads[2]()]);
    const certsOf = groupBy<CertificationRow>(certs, (c) => c.artifact_run_id);
    const promotionsOf = groupBy<PromotionRow>(promotions, (p) => p.manifest_digest);
    const required = new Map(tiers.map((t) => [t.tier, t.requirements]));
    return rows.map((r) =>
      buildEntry(
        r,
        r.artifact_run_id === null ? [] : (certsOf.get(r.artifact_run_id) ?? []),
        r.manifest_digest === null ? [] : (promotionsOf.get(r.manifest_digest) ?? []),
        r.server_tier === null ? [] : (required.get(r.server_tier) ?? []),
        now,
      ),
    );
  }

  /** Re-renders every entry of these servers, in the caller's transaction. */
  async renderServers(m: Manager, serverIds: readonly string[]): Promise<void> {
    if (serverIds.length === 0) return;
    await lockServers(m, serverIds);
    const rows = await this.repo.entriesOfServers(m, [...new Set(serverIds)]);
    const built = await this.build(m, rows, this.clock.now());
    await this.repo.storeListRows(
      m,
      rows.map((r, i) => ({
        entryId: r.entry_id,
        listRow: JSON.stringify(built[i].entry),
        freshUntil: built[i].freshUntil,
      })),
    );
  }

  /** After a promotion of this digest changed: the entries of its runs show the new lineage. */
  async renderDigest(m: Manager, digest: string): Promise<void> {
    await this.renderServers(m, await this.repo.serverIdsOfDigest(m, digest));
  }

  /**
   * Renders the servers of up to `limit` entries that are not rendered yet (rows from before list rows existed) or
   * whose rendering a certification window's end made stale; returns how many servers.
   */
  async renderDue(m: Manager, limit: number): Promise<number> {
    const serverIds = await this.repo.serverIdsDueRendering(m, this.clock.now(), limit);
    await this.renderServers(m, serverIds);
    return serverIds.length;
  }
}

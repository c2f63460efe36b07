// Browses the catalog: one entry per artifact run (or per server without runs), with its health, certifications and
// promotion lineage. A page is one index range scan plus one lookup each for certifications and promotions.
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type {
  MarketplaceCatalogEntry,
  MarketplaceCertificationRef,
  MarketplaceCertifications,
  MarketplaceListResponse,
  MarketplacePromotionStage,
  MarketplaceQuery,
} from '@mcp-host/contracts';
import { Transactions, type Manager } from '@mcp-host/platform';
import { Clock } from '../common/clock';
import { EvaluationRepository, type CertificationRow } from '../evaluations/evaluation.repository';
import { TierRequirementRepository } from '../evaluations/tier-requirement.repository';
import { CatalogErrorCode, CatalogException } from './catalog.exception';
import { CatalogRepository, type CatalogKey, type CatalogRow } from './catalog.repository';
import type { HealthGrade } from './derive-health';
import { PromotionRepository, type PromotionRow } from './promotion.repository';

const cursorSchema = z.object({
  n: z.string(),
  s: z.guid(),
  r: z.string().regex(/^-?\d+$/),
  e: z.guid(),
});

function encodeCursor(r: CatalogRow): string {
  return Buffer.from(
    JSON.stringify({ n: r.server_name, s: r.server_id, r: r.sort_rank, e: r.entry_id }),
  ).toString('base64url');
}

function decodeCursor(cursor: string): CatalogKey {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new CatalogException(CatalogErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  }
  return { serverName: parsed.n, serverId: parsed.s, sortRank: parsed.r, entryId: parsed.e };
}

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

function toStage(p: PromotionRow): MarketplacePromotionStage {
  return {
    promotion_id: p.promotion_id,
    track_id: p.track_id,
    stage: p.stage,
    tier: p.tier,
    status: p.status as MarketplacePromotionStage['status'],
    updated_at: new Date(p.updated_at).toISOString(),
    governance_run_id: p.governance_run_id,
    approved_by: p.approved_by,
    scheduled_at: iso(p.scheduled_at),
  };
}

/** Sorts one run's certifications into what is certified, pending, failed, expired and missing for its tier. */
export function summarizeCertifications(
  targetTier: string | null,
  required: readonly string[],
  certs: readonly CertificationRow[],
): MarketplaceCertifications {
  const ref = (c: CertificationRow): MarketplaceCertificationRef => ({
    tier: c.tier,
    policy_requirement: c.policy_requirement,
    certification_id: c.id,
    valid_until: iso(c.valid_until),
  });
  const of = (status: string) => certs.filter((c) => c.effective_status === status).map(ref);
  const present = new Set(certs.filter((c) => c.tier === targetTier).map((c) => c.policy_requirement));
  return {
    target_tier: targetTier,
    required: [...required],
    certified: of('pass'),
    pending: of('pending'),
    failed: of('fail'),
    expired: of('expired'),
    missing:
      targetTier === null
        ? []
        : required
            .filter((r) => !present.has(r))
            .map((r) => ({
              tier: targetTier,
              policy_requirement: r,
              certification_id: null,
              valid_until: null,
            })),
  };
}

@Injectable()
export class CatalogService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly requirements: TierRequirementRepository,
    private readonly promotions: PromotionRepository,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  async get(artifactRunId: string): Promise<MarketplaceCatalogEntry> {
    const entry = await this.tx.read(async (m) => {
      const row = await this.repo.findEntry(m, artifactRunId);
      return row ? (await this.hydrate(m, [row]))[0] : undefined;
    });
    if (!entry) {
      throw new CatalogException(
        CatalogErrorCode.ENTRY_NOT_FOUND,
        `No catalog entry for artifact run ${artifactRunId}.`,
      );
    }
    return entry;
  }

  async list(q: MarketplaceQuery): Promise<MarketplaceListResponse> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    return this.tx.read(async (m) => {
      const rows = await this.repo.list(m, {
        limit: q.limit + 1,
        after,
        serverType: q.server_type,
        status: q.status,
        tier: q.tier,
        q: q.q,
      });
      const page = rows.slice(0, q.limit);
      return {
        items: await this.hydrate(m, page),
        next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
      };
    });
  }

  /** Adds certifications and promotion lineage to a page of rows, with one query each for the whole page. */
  private async hydrate(m: Manager, rows: readonly CatalogRow[]): Promise<MarketplaceCatalogEntry[]> {
    const runIds = rows.flatMap((r) => (r.artifact_run_id ? [r.artifact_run_id] : []));
    const digests = [...new Set(rows.flatMap((r) => (r.manifest_digest ? [r.manifest_digest] : [])))];
    const [certs, promotions, tiers] = await Promise.all([
      this.evaluations.forArtifacts(m, runIds, this.clock.now()),
      this.promotions.forDigests(m, digests),
      this.requirements.all(m),
    ]);
    const required = new Map(tiers.map((t) => [t.tier, t.requirements]));
    return rows.map((r) => {
      const lineage = promotions.filter((p) => p.manifest_digest === r.manifest_digest).map(toStage);
      const active = lineage
        .filter((p) => p.status === 'active')
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at))
        .pop();
      const targetRequired = r.server_tier === null ? [] : (required.get(r.server_tier) ?? []);
      return toCatalogEntry(
        r,
        active ?? null,
        lineage,
        r.artifact_run_id === null
          ? summarizeCertifications(r.server_tier, targetRequired, [])
          : summarizeCertifications(
              r.server_tier,
              targetRequired,
              certs.filter((c) => c.artifact_run_id === r.artifact_run_id),
            ),
      );
    });
  }
}

export function toCatalogEntry(
  r: CatalogRow,
  activePromotion: MarketplacePromotionStage | null,
  promotionHistory: MarketplacePromotionStage[],
  certifications: MarketplaceCertifications,
): MarketplaceCatalogEntry {
  const platforms = r.platforms ?? [];
  const grade = (r.health_grade ?? 'watchlist') as HealthGrade;
  const updated = [r.server_updated_at, r.artifact_updated_at]
    .filter((d): d is Date => d !== null)
    .map((d) => new Date(d).getTime());
  return {
    artifact_run_id: r.artifact_run_id,
    server_id: r.server_id,
    server_name: r.server_name,
    server_type: r.server_type,
    tier: `${grade}:${r.server_type}`,
    status: r.status,
    source_repo: r.source_repo,
    source_branch: r.source_branch,
    source_revision: r.source_revision,
    registry_image: r.registry_image,
    manifest_tag: r.manifest_tag,
    manifest_digest: r.manifest_digest,
    architectures: platforms.map((p) => p.platform),
    multi_arch: r.multi_arch ?? false,
    credential_health_status: r.credential_health_status,
    platforms,
    health: {
      grade,
      issues: r.artifact_run_id === null ? ['no-build'] : (r.health_issues ?? []),
    },
    active_promotion: activePromotion,
    promotion_history: promotionHistory,
    certifications,
    completed_at: iso(r.completed_at),
    updated_at: new Date(Math.max(...updated)).toISOString(),
  };
}

// What one catalog entry says, as a pure function of its stored rows: the entry's run and server, its
// certifications, the promotions of its digest and what its target tier requires. The list's pre-rendered rows, the
// live reads and the catalog seed all build entries here, so they cannot disagree.
import type {
  MarketplaceCatalogEntry,
  MarketplaceCertificationRef,
  MarketplaceCertifications,
  MarketplacePromotionStage,
} from '@mcp-host/contracts';
import type { CertificationRow } from '../evaluations/evaluation.repository';
import type { CatalogRow } from './catalog.repository';
import type { HealthGrade } from './derive-health';
import type { PromotionRow } from './promotion.repository';

/** The certification fields an entry shows. */
export type EntryCertification = Pick<
  CertificationRow,
  'id' | 'artifact_run_id' | 'tier' | 'policy_requirement' | 'effective_status' | 'valid_until'
>;

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toStage(p: PromotionRow): MarketplacePromotionStage {
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
  certs: readonly EntryCertification[],
): MarketplaceCertifications {
  const ref = (c: EntryCertification): MarketplaceCertificationRef => ({
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

/**
 * One entry from its row, its run's certifications (effective status as of `now`), its digest's promotions and its
 * target tier's requirements; `freshUntil` is the earliest moment a certification window ends after `now`, when
 * the entry would start to read differently without any write (null: never).
 */
export function buildEntry(
  r: CatalogRow,
  certs: readonly EntryCertification[],
  promotions: readonly PromotionRow[],
  required: readonly string[],
  now: Date,
): { entry: MarketplaceCatalogEntry; freshUntil: Date | null } {
  const lineage = promotions.map(toStage);
  const active = lineage
    .filter((p) => p.status === 'active')
    .sort((a, b) => a.updated_at.localeCompare(b.updated_at))
    .pop();
  const own = r.artifact_run_id === null ? [] : certs;
  let freshUntil: number | null = null;
  for (const c of own) {
    if (c.valid_until === null) continue;
    const until = new Date(c.valid_until).getTime();
    if (until > now.getTime() && (freshUntil === null || until < freshUntil)) freshUntil = until;
  }
  return {
    entry: toCatalogEntry(
      r,
      active ?? null,
      lineage,
      summarizeCertifications(r.server_tier, r.server_tier === null ? [] : required, own),
    ),
    freshUntil: freshUntil === null ? null : new Date(freshUntil),
  };
}

// Every query of catalog_promotions, the marketplace's projection of the governance promotion events. Each write is
// guarded by the promotion's version, so a redelivered or late event never moves a promotion backwards.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface PromotionRow {
  promotion_id: string;
  track_id: string;
  manifest_digest: string;
  artifact_run_id: string | null;
  stage: string;
  tier: string;
  status: string;
  governance_run_id: string | null;
  approved_by: string | null;
  scheduled_at: Date | null;
  version: number;
  updated_at: Date;
}

export interface PromotionFacts {
  promotion_id: string;
  track_id: string;
  manifest_digest: string;
  stage: string;
  tier: string;
  status: string;
  version: number;
  updated_at: string;
  artifact_run_id?: string | null;
  governance_run_id?: string | null;
  approved_by?: string | null;
  scheduled_at?: string | null;
}

const COLUMNS = `promotion_id, track_id, manifest_digest, artifact_run_id, stage, tier, status, governance_run_id,
                 approved_by, scheduled_at, version, updated_at`;

@Injectable()
export class PromotionRepository {
  /**
   * Records what one event says. Facts that never change once known (run, governance run, approver, schedule time)
   * are kept from whichever event brought them; status and version move only forward.
   */
  async apply(m: Manager, f: PromotionFacts): Promise<void> {
    await m.query(
      `INSERT INTO catalog_promotions AS p (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (promotion_id) DO UPDATE SET
         artifact_run_id = COALESCE(p.artifact_run_id, EXCLUDED.artifact_run_id),
         governance_run_id = COALESCE(p.governance_run_id, EXCLUDED.governance_run_id),
         approved_by = COALESCE(EXCLUDED.approved_by, p.approved_by),
         scheduled_at = COALESCE(p.scheduled_at, EXCLUDED.scheduled_at),
         status = CASE WHEN EXCLUDED.version > p.version THEN EXCLUDED.status ELSE p.status END,
         updated_at = CASE WHEN EXCLUDED.version > p.version THEN EXCLUDED.updated_at ELSE p.updated_at END,
         version = GREATEST(p.version, EXCLUDED.version)`,
      [
        f.promotion_id,
        f.track_id,
        f.manifest_digest,
        f.artifact_run_id ?? null,
        f.stage,
        f.tier,
        f.status,
        f.governance_run_id ?? null,
        f.approved_by ?? null,
        f.scheduled_at ?? null,
        f.version,
        f.updated_at,
      ],
    );
  }

  /** Every promotion of these digests, oldest first. */
  async forDigests(m: Manager, digests: readonly string[]): Promise<PromotionRow[]> {
    if (digests.length === 0) return [];
    return (await m.query(
      `SELECT ${COLUMNS} FROM catalog_promotions WHERE manifest_digest = ANY($1::text[])
        ORDER BY manifest_digest, scheduled_at NULLS LAST, promotion_id`,
      [digests],
    )) as PromotionRow[];
  }
}

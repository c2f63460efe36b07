// Every query of evaluation_tier_requirements: the policy requirements each tier's certifications must cover.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface TierRequirementRow {
  tier: string;
  requirements: string[];
  version: number;
  updated_by: string | null;
  updated_at: Date;
}

const COLUMNS = 'tier, requirements, version, updated_by, updated_at';

@Injectable()
export class TierRequirementRepository {
  async all(m: Manager): Promise<TierRequirementRow[]> {
    return (await m.query(
      `SELECT ${COLUMNS} FROM evaluation_tier_requirements ORDER BY tier`,
    )) as TierRequirementRow[];
  }

  async find(m: Manager, tier: string): Promise<TierRequirementRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM evaluation_tier_requirements WHERE tier = $1`, [
      tier,
    ])) as TierRequirementRow[];
    return rows[0];
  }

  /** Creates the tier at version 1 or replaces its list (version + 1); with `version`, only if still at it. */
  async put(
    m: Manager,
    tier: string,
    requirements: readonly string[],
    version: number | undefined,
    updatedBy: string | null,
  ): Promise<TierRequirementRow | undefined> {
    const rows = (await m.query(
      version === undefined
        ? `INSERT INTO evaluation_tier_requirements AS t (tier, requirements, updated_by) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (tier) DO UPDATE SET requirements = EXCLUDED.requirements, updated_by = EXCLUDED.updated_by,
             version = t.version + 1, updated_at = now()
           RETURNING ${COLUMNS}`
        : `UPDATE evaluation_tier_requirements SET requirements = $2::jsonb, updated_by = $3, version = version + 1,
             updated_at = now()
           WHERE tier = $1 AND version = $4 RETURNING ${COLUMNS}`,
      version === undefined
        ? [tier, JSON.stringify(requirements), updatedBy]
        : [tier, JSON.stringify(requirements), updatedBy, version],
    )) as TierRequirementRow[] | [TierRequirementRow[], number];
    // An INSERT answers rows; an UPDATE answers [rows, count].
    const list = Array.isArray(rows[0]) ? (rows[0] as TierRequirementRow[]) : (rows as TierRequirementRow[]);
    return list[0];
  }

  /** Creates the tier only if it was never set; returns it when created. */
  async seed(
    m: Manager,
    tier: string,
    requirements: readonly string[],
  ): Promise<TierRequirementRow | undefined> {
    const rows = (await m.query(
      `INSERT INTO evaluation_tier_requirements (tier, requirements) VALUES ($1, $2::jsonb)
       ON CONFLICT (tier) DO NOTHING RETURNING ${COLUMNS}`,
      [tier, JSON.stringify(requirements)],
    )) as TierRequirementRow[];
    return rows[0];
  }
}

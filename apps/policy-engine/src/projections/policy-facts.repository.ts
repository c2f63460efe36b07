// Every query on the policy engine's projections of other services' facts. Writes are idempotent upserts guarded by
// the producer's version (or time), so a redelivered or out-of-order event never moves a row backwards.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface ArtifactFact {
  id: string;
  server_id: string;
  registry_image: string;
  manifest_digest: string | null;
  status: string;
  completed_at: Date;
}

export interface CertificationFact {
  id: string;
  policy_requirement: string;
  status: string;
  valid_from: Date | null;
  valid_until: Date | null;
  expired: boolean;
}

export interface GovernanceRunFact {
  run_id: string;
  status: string;
  tier: string;
  manifest_digest: string | null;
  artifact_run_id: string | null;
  policy_decision_id: string | null;
}

export interface PromotionFact {
  promotion_id: string;
  status: string;
  tier: string;
  manifest_digest: string;
  artifact_run_id: string | null;
}

export interface MarketplaceHealthFact {
  health_tier: string;
  issues: string[];
}

@Injectable()
export class PolicyFactsRepository {
  async upsertArtifact(
    m: Manager,
    a: Omit<ArtifactFact, 'completed_at'> & { completed_at: string; credential_health_status: string },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_artifacts (id, server_id, registry_image, manifest_digest, status, credential_health_status, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET registry_image = EXCLUDED.registry_image, manifest_digest = EXCLUDED.manifest_digest,
         status = EXCLUDED.status, credential_health_status = EXCLUDED.credential_health_status,
         completed_at = EXCLUDED.completed_at
       WHERE policy_artifacts.completed_at <= EXCLUDED.completed_at`,
      [
        a.id,
        a.server_id,
        a.registry_image,
        a.manifest_digest,
        a.status,
        a.credential_health_status,
        a.completed_at,
      ],
    );
  }

  async upsertMarketplaceHealth(
    m: Manager,
    h: {
      server_id: string;
      artifact_run_id: string | null;
      health_tier: string;
      issues: string[];
      updated_at: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_marketplace_health (server_id, artifact_run_id, health_tier, issues, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (server_id) DO UPDATE SET artifact_run_id = EXCLUDED.artifact_run_id,
         health_tier = EXCLUDED.health_tier, issues = EXCLUDED.issues, updated_at = EXCLUDED.updated_at
       WHERE policy_marketplace_health.updated_at <= EXCLUDED.updated_at`,
      [h.server_id, h.artifact_run_id, h.health_tier, h.issues, h.updated_at],
    );
  }

  async upsertCertification(
    m: Manager,
    c: {
      id: string;
      artifact_run_id: string;
      manifest_digest: string;
      tier: string;
      policy_requirement: string;
      status: string;
      valid_from: string | null;
      valid_until: string | null;
      version: number;
      updated_at: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_certifications
         (id, artifact_run_id, manifest_digest, tier, policy_requirement, status, valid_from, valid_until, version, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET artifact_run_id = EXCLUDED.artifact_run_id,
         manifest_digest = EXCLUDED.manifest_digest, tier = EXCLUDED.tier,
         policy_requirement = EXCLUDED.policy_requirement, status = EXCLUDED.status,
         valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until, expired = false,
         version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
       WHERE (policy_certifications.version, policy_certifications.updated_at) < (EXCLUDED.version, EXCLUDED.updated_at)`,
      [
        c.id,
        c.artifact_run_id,
        c.manifest_digest,
        c.tier,
        c.policy_requirement,
        c.status,
        c.valid_from,
        c.valid_until,
        c.version,
        c.updated_at,
      ],
    );
  }

  /** Marks the certification expired unless a newer version (a fresh pass) already replaced it. */
  async expireCertification(m: Manager, id: string, version: number): Promise<void> {
    await m.query(`UPDATE policy_certifications SET expired = true WHERE id = $1 AND version <= $2`, [
      id,
      version,
    ]);
  }

  async setTierRequirements(
    m: Manager,
    t: { tier: string; requirements: string[]; version: number; updated_at: string },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_tier_requirements (tier, requirements, version, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tier) DO UPDATE SET requirements = EXCLUDED.requirements, version = EXCLUDED.version,
         updated_at = EXCLUDED.updated_at
       WHERE policy_tier_requirements.version < EXCLUDED.version`,
      [t.tier, t.requirements, t.version, t.updated_at],
    );
  }

  async upsertGovernanceRun(
    m: Manager,
    r: GovernanceRunFact & {
      workflow_id: string;
      promotion_id: string | null;
      version: number;
      updated_at: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_governance_runs
         (run_id, workflow_id, tier, artifact_run_id, manifest_digest, promotion_id, policy_decision_id, status, version, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (run_id) DO UPDATE SET tier = EXCLUDED.tier, artifact_run_id = EXCLUDED.artifact_run_id,
         manifest_digest = EXCLUDED.manifest_digest, promotion_id = EXCLUDED.promotion_id,
         policy_decision_id = COALESCE(EXCLUDED.policy_decision_id, policy_governance_runs.policy_decision_id),
         status = EXCLUDED.status, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
       WHERE policy_governance_runs.version < EXCLUDED.version`,
      [
        r.run_id,
        r.workflow_id,
        r.tier,
        r.artifact_run_id,
        r.manifest_digest,
        r.promotion_id,
        r.policy_decision_id,
        r.status,
        r.version,
        r.updated_at,
      ],
    );
  }

  /** A transition of a run this engine has not seen start changes nothing: it carries no tier or digest. */
  async transitionGovernanceRun(
    m: Manager,
    runId: string,
    status: string,
    version: number,
    at: string,
  ): Promise<void> {
    await m.query(
      `UPDATE policy_governance_runs SET status = $2, version = $3, updated_at = $4 WHERE run_id = $1 AND version < $3`,
      [runId, status, version, at],
    );
  }

  async upsertPromotion(
    m: Manager,
    p: PromotionFact & {
      track_id: string;
      stage: string;
      governance_run_id: string | null;
      version: number;
      updated_at: string;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO policy_promotions
         (promotion_id, track_id, manifest_digest, stage, tier, artifact_run_id, status, governance_run_id, version, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (promotion_id) DO UPDATE SET status = EXCLUDED.status, tier = EXCLUDED.tier,
         artifact_run_id = COALESCE(EXCLUDED.artifact_run_id, policy_promotions.artifact_run_id),
         governance_run_id = COALESCE(EXCLUDED.governance_run_id, policy_promotions.governance_run_id),
         version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
       WHERE policy_promotions.version < EXCLUDED.version`,
      [
        p.promotion_id,
        p.track_id,
        p.manifest_digest,
        p.stage,
        p.tier,
        p.artifact_run_id,
        p.status,
        p.governance_run_id,
        p.version,
        p.updated_at,
      ],
    );
  }

  // --- reads the decision uses -------------------------------------------------------------------------------------

  async isKnownTier(m: Manager, tier: string): Promise<boolean> {
    const rows = (await m.query(
      `SELECT 1 FROM policy_tier_requirements WHERE tier = $1
       UNION ALL SELECT 1 FROM policy_promotions WHERE tier = $1 LIMIT 1`,
      [tier],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * The artifact a launch would run (the newest of the server's artifacts whose digest has an active promotion at the
   * tier, else its newest ledger artifact), the tier's projected requirements and the server's marketplace health,
   * in one round trip.
   */
  async placementFacts(
    m: Manager,
    serverId: string,
    tier: string,
  ): Promise<{
    artifact: (ArtifactFact & { promotion_id?: string }) | undefined;
    requirements: string[] | undefined;
    health: MarketplaceHealthFact | undefined;
  }> {
    const rows = (await m.query(
      `SELECT
         (SELECT row_to_json(c) FROM (
            (SELECT a.id, a.server_id, a.registry_image, a.manifest_digest, a.status, a.completed_at, p.promotion_id,
                    0 AS priority
             FROM policy_promotions p
             JOIN policy_artifacts a ON a.manifest_digest = p.manifest_digest AND a.server_id = $1
             WHERE p.tier = $2 AND p.status = 'active'
             ORDER BY p.updated_at DESC, a.completed_at DESC LIMIT 1)
            UNION ALL
            (SELECT id, server_id, registry_image, manifest_digest, status, completed_at, NULL, 1
             FROM policy_artifacts WHERE server_id = $1 AND status = 'succeeded'
             ORDER BY completed_at DESC LIMIT 1)
            ORDER BY priority LIMIT 1) c) AS artifact,
         (SELECT requirements FROM policy_tier_requirements WHERE tier = $2) AS requirements,
         (SELECT row_to_json(h) FROM (SELECT health_tier, issues FROM policy_marketplace_health WHERE server_id = $1) h)
           AS health`,
      [serverId, tier],
    )) as {
      artifact:
        (Omit<ArtifactFact, 'completed_at'> & { completed_at: string; promotion_id: string | null }) | null;
      requirements: string[] | null;
      health: MarketplaceHealthFact | null;
    }[];
    const r = rows[0];
    const a = r.artifact;
    return {
      artifact: a
        ? {
            id: a.id,
            server_id: a.server_id,
            registry_image: a.registry_image,
            manifest_digest: a.manifest_digest,
            status: a.status,
            completed_at: new Date(a.completed_at),
            ...(a.promotion_id ? { promotion_id: a.promotion_id } : {}),
          }
        : undefined,
      requirements: r.requirements ?? undefined,
      health: r.health ?? undefined,
    };
  }

  /**
   * The gates of a digest at a tier, in one round trip: the latest certification per requirement, the governance run
   * (a succeeded one wins over any later unfinished or failed one) and the promotion (an active one wins).
   */
  async gateFacts(
    m: Manager,
    digest: string,
    tier: string,
    artifactRunId: string | null,
  ): Promise<{
    certifications: CertificationFact[];
    governanceRun: GovernanceRunFact | undefined;
    promotion: PromotionFact | undefined;
  }> {
    const rows = (await m.query(
      `SELECT
         (SELECT coalesce(json_agg(c), '[]'::json) FROM (
            SELECT DISTINCT ON (policy_requirement) id, policy_requirement, status, valid_from, valid_until, expired
            FROM policy_certifications WHERE manifest_digest = $1 AND tier = $2
            ORDER BY policy_requirement, updated_at DESC, version DESC) c) AS certifications,
         (SELECT row_to_json(g) FROM (
            SELECT run_id, status, tier, manifest_digest, artifact_run_id, policy_decision_id FROM policy_governance_runs
            WHERE tier = $2 AND (manifest_digest = $1 OR ($3::uuid IS NOT NULL AND artifact_run_id = $3::uuid))
            ORDER BY (status = 'succeeded') DESC, updated_at DESC LIMIT 1) g) AS governance_run,
         (SELECT row_to_json(p) FROM (
            SELECT promotion_id, status, tier, manifest_digest, artifact_run_id FROM policy_promotions
            WHERE tier = $2 AND manifest_digest = $1
            ORDER BY (status = 'active') DESC, updated_at DESC LIMIT 1) p) AS promotion`,
      [digest, tier, artifactRunId],
    )) as {
      certifications: (Omit<CertificationFact, 'valid_from' | 'valid_until'> & {
        valid_from: string | null;
        valid_until: string | null;
      })[];
      governance_run: GovernanceRunFact | null;
      promotion: PromotionFact | null;
    }[];
    const r = rows[0];
    return {
      certifications: r.certifications.map((c) => ({
        ...c,
        valid_from: c.valid_from === null ? null : new Date(c.valid_from),
        valid_until: c.valid_until === null ? null : new Date(c.valid_until),
      })),
      governanceRun: r.governance_run ?? undefined,
      promotion: r.promotion ?? undefined,
    };
  }
}

// Every query of evaluation_certifications. What a row reads as (`expired` past its window) is computed against the
// `now` the caller passes, which comes from the injectable Clock.
import { Injectable } from '@nestjs/common';
import type { EffectiveEvaluationStatus, EvaluationStatus } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export interface CertificationRow {
  id: string;
  artifact_run_id: string;
  server_id: string;
  manifest_digest: string;
  tier: string;
  policy_requirement: string;
  status: EvaluationStatus;
  effective_status: EffectiveEvaluationStatus;
  evidence: Record<string, unknown> | null;
  valid_from: Date | null;
  valid_until: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  /** created_at to the microsecond, for the keyset cursor. */
  cursor_ts: string;
}

export interface CertificationFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  status?: EffectiveEvaluationStatus;
  tier?: string;
  policyRequirement?: string;
  serverId?: string;
  artifactRunId?: string;
}

export interface CertificationWrite {
  artifact_run_id: string;
  server_id: string;
  manifest_digest: string;
  tier: string;
  policy_requirement: string;
  status: EvaluationStatus;
  evidence: Record<string, unknown> | null;
  valid_from: string | null;
  valid_until: string | null;
}

/** `$1` is always `now`. */
const EFFECTIVE = `CASE WHEN c.valid_until IS NOT NULL AND c.valid_until <= $1::timestamptz THEN 'expired'
                        ELSE c.status END`;

const COLUMNS = `c.id, c.artifact_run_id, c.server_id, c.manifest_digest, c.tier, c.policy_requirement, c.status,
                 ${EFFECTIVE} AS effective_status, c.evidence, c.valid_from, c.valid_until, c.version, c.created_at,
                 c.updated_at, c.created_at::text AS cursor_ts`;

/** The same columns for the RETURNING clause of an UPDATE, where the table has no alias. */
const RETURNING = COLUMNS.replace(/\bc\./g, 'evaluation_certifications.');

@Injectable()
export class EvaluationRepository {
  async findById(m: Manager, id: string, now: Date): Promise<CertificationRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM evaluation_certifications c WHERE c.id = $2`, [
      now.toISOString(),
      id,
    ])) as CertificationRow[];
    return rows[0];
  }

  async findByKey(
    m: Manager,
    artifactRunId: string,
    tier: string,
    requirement: string,
    now: Date,
  ): Promise<CertificationRow | undefined> {
    const rows = (await m.query(
      `SELECT ${COLUMNS} FROM evaluation_certifications c
        WHERE c.artifact_run_id = $2 AND c.tier = $3 AND c.policy_requirement = $4`,
      [now.toISOString(), artifactRunId, tier, requirement],
    )) as CertificationRow[];
    return rows[0];
  }

  /** One keyset page in (created_at, id) order; each filter has an index in that order. */
  async list(m: Manager, f: CertificationFilter, now: Date): Promise<CertificationRow[]> {
    const { sql, params } = this.listQuery(f, now);
    return (await m.query(sql, params)) as CertificationRow[];
  }

  /** The SQL of `list`, for EXPLAIN in tests and the benchmark's direct baseline. */
  listQuery(f: CertificationFilter, now: Date): { sql: string; params: unknown[] } {
    const params: unknown[] = [now.toISOString()];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (f.after)
      where.push(`(c.created_at, c.id) > (${p(f.after.createdAt)}::timestamptz, ${p(f.after.id)}::uuid)`);
    if (f.status === 'expired') where.push('c.valid_until <= $1::timestamptz');
    else if (f.status)
      where.push(`c.status = ${p(f.status)} AND (c.valid_until IS NULL OR c.valid_until > $1::timestamptz)`);
    if (f.tier) where.push(`c.tier = ${p(f.tier)}`);
    if (f.policyRequirement) where.push(`c.policy_requirement = ${p(f.policyRequirement)}`);
    if (f.serverId) where.push(`c.server_id = ${p(f.serverId)}::uuid`);
    if (f.artifactRunId) where.push(`c.artifact_run_id = ${p(f.artifactRunId)}::uuid`);
    const sql = `SELECT ${COLUMNS} FROM evaluation_certifications c
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY c.created_at, c.id LIMIT ${p(f.limit)}`;
    return { sql, params };
  }

  /** The certifications of these runs, for catalog entries and grading. */
  async forArtifacts(m: Manager, artifactRunIds: readonly string[], now: Date): Promise<CertificationRow[]> {
    if (artifactRunIds.length === 0) return [];
    return (await m.query(
      `SELECT ${COLUMNS} FROM evaluation_certifications c WHERE c.artifact_run_id = ANY($2::uuid[])
        ORDER BY c.tier, c.policy_requirement`,
      [now.toISOString(), artifactRunIds],
    )) as CertificationRow[];
  }

  /** Creates or replaces the certification of (artifact, tier, requirement); a replacement bumps the version. */
  async upsert(m: Manager, id: string, w: CertificationWrite, now: Date): Promise<CertificationRow> {
    const rows = (await m.query(
      `INSERT INTO evaluation_certifications AS c (id, artifact_run_id, server_id, manifest_digest, tier,
              policy_requirement, status, evidence, valid_from, valid_until, created_at, updated_at)
       VALUES ($2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $1::timestamptz, $1::timestamptz)
       ON CONFLICT (artifact_run_id, tier, policy_requirement) DO UPDATE SET
         server_id = EXCLUDED.server_id, manifest_digest = EXCLUDED.manifest_digest, status = EXCLUDED.status,
         evidence = EXCLUDED.evidence, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
         expiry_announced_at = NULL, version = c.version + 1, updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}`,
      [now.toISOString(), id, ...this.writeParams(w)],
    )) as CertificationRow[];
    return rows[0];
  }

  /** Replaces the certification only if it is still at `version`; undefined when stale or absent. */
  async updateIfVersion(
    m: Manager,
    version: number,
    w: CertificationWrite,
    now: Date,
  ): Promise<CertificationRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE evaluation_certifications SET server_id = $4, manifest_digest = $5, status = $8, evidence = $9::jsonb,
              valid_from = $10, valid_until = $11, expiry_announced_at = NULL, version = version + 1,
              updated_at = $1::timestamptz
        WHERE artifact_run_id = $3 AND tier = $6 AND policy_requirement = $7 AND version = $2
       RETURNING ${RETURNING}`,
      [now.toISOString(), version, ...this.writeParams(w)],
    )) as [CertificationRow[], number];
    return rows[0];
  }

  /** Back to `pending` with no window, if still at `version` (when given); undefined when stale or absent. */
  async resetToPending(
    m: Manager,
    id: string,
    version: number | undefined,
    now: Date,
  ): Promise<{ row: CertificationRow; previous: EvaluationStatus } | undefined> {
    const [rows] = (await m.query(
      `UPDATE evaluation_certifications SET status = 'pending', valid_from = NULL, valid_until = NULL,
              expiry_announced_at = NULL, version = version + 1, updated_at = $1::timestamptz
         FROM (SELECT id, status AS previous FROM evaluation_certifications WHERE id = $2 FOR UPDATE) old
        WHERE evaluation_certifications.id = old.id ${version === undefined ? '' : 'AND version = $3'}
       RETURNING ${RETURNING}, old.previous`,
      version === undefined ? [now.toISOString(), id] : [now.toISOString(), id, version],
    )) as [(CertificationRow & { previous: EvaluationStatus })[], number];
    const row = rows[0];
    if (!row) return undefined;
    const { previous, ...rest } = row;
    return { row: rest, previous };
  }

  /** Pending certifications for requirements this run has none for; returns only the ones it created. */
  async insertPending(
    m: Manager,
    rows: readonly {
      id: string;
      artifact_run_id: string;
      server_id: string;
      manifest_digest: string;
      tier: string;
      policy_requirement: string;
    }[],
    now: Date,
  ): Promise<CertificationRow[]> {
    if (rows.length === 0) return [];
    return (await m.query(
      `INSERT INTO evaluation_certifications (id, artifact_run_id, server_id, manifest_digest, tier,
              policy_requirement, status, created_at, updated_at)
       SELECT * , 'pending', $1::timestamptz, $1::timestamptz
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (artifact_run_id, tier, policy_requirement) DO NOTHING
       RETURNING ${RETURNING}`,
      [
        now.toISOString(),
        rows.map((x) => x.id),
        rows.map((x) => x.artifact_run_id),
        rows.map((x) => x.server_id),
        rows.map((x) => x.manifest_digest),
        rows.map((x) => x.tier),
        rows.map((x) => x.policy_requirement),
      ],
    )) as CertificationRow[];
  }

  /**
   * Marks up to `limit` certifications whose window ended by `now` and whose expiry was not announced yet.
   * SKIP LOCKED lets two replicas sweep at once without announcing one expiry twice.
   */
  async claimExpired(m: Manager, now: Date, limit: number): Promise<CertificationRow[]> {
    const [rows] = (await m.query(
      `UPDATE evaluation_certifications SET expiry_announced_at = $1::timestamptz
        WHERE id IN (SELECT id FROM evaluation_certifications
                      WHERE valid_until IS NOT NULL AND expiry_announced_at IS NULL AND valid_until <= $1::timestamptz
                      ORDER BY valid_until LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ${RETURNING}`,
      [now.toISOString(), limit],
    )) as [CertificationRow[], number];
    return rows;
  }

  private writeParams(w: CertificationWrite): unknown[] {
    return [
      w.artifact_run_id,
      w.server_id,
      w.manifest_digest,
      w.tier,
      w.policy_requirement,
      w.status,
      w.evidence === null ? null : JSON.stringify(w.evidence),
      w.valid_from,
      w.valid_until,
    ];
  }
}

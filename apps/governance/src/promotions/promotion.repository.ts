// Every query of promotions, their approvals, audit log and digest blocks, each on the manager it is handed.
import { Injectable } from '@nestjs/common';
import type { PromotionStatus } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { preparedQuery } from '../prepared-statements';

export interface PromotionRow {
  id: string;
  track_id: string;
  manifest_digest: string;
  stage: string;
  stage_index: number;
  tier: string;
  artifact_run_id: string | null;
  status: PromotionStatus;
  governance_run_id: string | null;
  run_status: string | null;
  approvals_required: number;
  approval_role: string | null;
  approvals_with_role: number;
  note: string | null;
  reason: string | null;
  scheduled_by: string | null;
  rollback: boolean;
  rollback_of: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  activated_at: string | null;
  cursor_ts: string;
}

export type NewPromotion = Omit<
  PromotionRow,
  'version' | 'created_at' | 'updated_at' | 'cursor_ts' | 'activated_at' | 'run_status' | 'reason'
>;

export interface ApprovalRow {
  approver: string;
  role: string | null;
  decision: 'approved' | 'rejected';
  note: string | null;
  created_at: string;
}

export interface AuditRow {
  id: string;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string | null;
  note: string | null;
  version: number;
  created_at: string;
}

export interface BlockRow {
  id: string;
  track_id: string;
  manifest_digest: string;
  kind: 'rejected' | 'rollback_hold';
  promotion_id: string | null;
  reason: string | null;
  placed_by: string | null;
  created_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
  lift_note: string | null;
  cursor_ts: string;
}

const COLUMNS = `id, track_id, manifest_digest, stage, stage_index, tier, artifact_run_id, status, governance_run_id,
  run_status, approvals_required, approval_role, approvals_with_role, note, reason, scheduled_by, rollback,
  rollback_of, version, created_at, updated_at, activated_at, created_at::text AS cursor_ts`;

const BLOCK_COLUMNS = `id, track_id, manifest_digest, kind, promotion_id, reason, placed_by, created_at, lifted_by,
  lifted_at, lift_note, created_at::text AS cursor_ts`;

/** The audit entry written with a change, in the same statement; its to_status and version are the row's new ones. */
export interface AuditEntry {
  action: string;
  from: string | null;
  actor: string | null;
  note: string | null;
}

export interface PromotionDetailRow extends PromotionRow {
  approvals: ApprovalRow[];
  audit: AuditRow[];
}

export const OPEN_STATUSES: readonly PromotionStatus[] = ['scheduled', 'in_progress', 'approved'];

@Injectable()
export class PromotionRepository {
  async findById(m: Manager, id: string): Promise<PromotionRow | undefined> {
    const rows = (await preparedQuery(m, `SELECT ${COLUMNS} FROM artifact_promotions WHERE id = $1`, [
      id,
    ])) as PromotionRow[];
    return rows[0];
  }

  /** The promotion with its approvals and audit log, in one statement. */
  async findDetail(m: Manager, id: string): Promise<PromotionDetailRow | undefined> {
    const rows = (await preparedQuery(
      m,
      `SELECT ${COLUMNS},
              COALESCE((SELECT json_agg(json_build_object('approver', a.approver, 'role', a.role,
                                          'decision', a.decision, 'note', a.note, 'created_at', a.created_at)
                                        ORDER BY a.created_at, a.approver)
                          FROM promotion_approvals a WHERE a.promotion_id = p.id), '[]') AS approvals,
              COALESCE((SELECT json_agg(json_build_object('id', u.id, 'action', u.action, 'from_status', u.from_status,
                                          'to_status', u.to_status, 'actor', u.actor, 'note', u.note,
                                          'version', u.version, 'created_at', u.created_at) ORDER BY u.id)
                          FROM promotion_audit u WHERE u.promotion_id = p.id), '[]') AS audit
         FROM artifact_promotions p WHERE p.id = $1`,
      [id],
    )) as PromotionDetailRow[];
    return rows[0];
  }

  async findActive(m: Manager, trackId: string, stage: string): Promise<PromotionRow | undefined> {
    const rows = (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM artifact_promotions WHERE track_id = $1 AND stage = $2 AND status = 'active'`,
      [trackId, stage],
    )) as PromotionRow[];
    return rows[0];
  }

  /** Open promotions of a digest on a track, optionally at one stage. */
  async findOpen(m: Manager, trackId: string, digest: string, stage?: string): Promise<PromotionRow[]> {
    return (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM artifact_promotions
        WHERE track_id = $1 AND manifest_digest = $2 AND status IN ('scheduled', 'in_progress', 'approved')
          ${stage === undefined ? '' : 'AND stage = $3'}
        ORDER BY created_at, id`,
      stage === undefined ? [trackId, digest] : [trackId, digest, stage],
    )) as PromotionRow[];
  }

  /**
   * The promotion a rollback re-activates: the most recently activated, since superseded, promotion of the stage
   * whose digest differs from the current one, is not blocked on the track, and never failed or was rejected or
   * rolled back anywhere on the track.
   */
  async findRollbackTarget(
    m: Manager,
    trackId: string,
    stage: string,
    currentDigest: string,
  ): Promise<PromotionRow | undefined> {
    const rows = (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM artifact_promotions p
        WHERE p.track_id = $1 AND p.stage = $2 AND p.status = 'superseded' AND p.manifest_digest <> $3
          AND NOT EXISTS (SELECT 1 FROM artifact_promotions bad
                           WHERE bad.track_id = p.track_id AND bad.manifest_digest = p.manifest_digest
                             AND bad.status IN ('rejected', 'rolled_back'))
          AND NOT EXISTS (SELECT 1 FROM promotion_blocks b
                           WHERE b.track_id = p.track_id AND b.manifest_digest = p.manifest_digest
                             AND b.lifted_at IS NULL)
        ORDER BY p.activated_at DESC NULLS LAST, p.created_at DESC LIMIT 1`,
      [trackId, stage, currentDigest],
    )) as PromotionRow[];
    return rows[0];
  }

  async findByRun(m: Manager, runId: string): Promise<PromotionRow | undefined> {
    const rows = (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM artifact_promotions WHERE governance_run_id = $1`,
      [runId],
    )) as PromotionRow[];
    return rows[0];
  }

  async list(
    m: Manager,
    f: {
      limit: number;
      after?: { createdAt: string; id: string };
      trackId?: string;
      digest?: string;
      stage?: string;
      status?: string;
    },
  ): Promise<PromotionRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.trackId) add((n) => `track_id = $${n}`, f.trackId);
    if (f.digest) add((n) => `manifest_digest = $${n}`, f.digest);
    if (f.stage) add((n) => `stage = $${n}`, f.stage);
    if (f.status) add((n) => `status = $${n}`, f.status);
    params.push(f.limit);
    return (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM artifact_promotions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as PromotionRow[];
  }

  /** Inserts the promotion and its first audit entry in one statement. */
  async insert(
    m: Manager,
    p: NewPromotion & { status: PromotionStatus },
    audit: Omit<AuditEntry, 'from'>,
  ): Promise<PromotionRow> {
    const rows = (await preparedQuery(
      m,
      `WITH inserted AS (
         INSERT INTO artifact_promotions (id, track_id, manifest_digest, stage, stage_index, tier, artifact_run_id,
           status, governance_run_id, approvals_required, approval_role, approvals_with_role, note, scheduled_by,
           rollback, rollback_of, activated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 CASE WHEN $8 = 'active' THEN now() END)
         RETURNING ${COLUMNS}
       ), audit AS (
         INSERT INTO promotion_audit (promotion_id, action, from_status, to_status, actor, note, version)
         SELECT id, $17, NULL, status, $18, $19, version FROM inserted
       )
       SELECT * FROM inserted`,
      [
        p.id,
        p.track_id,
        p.manifest_digest,
        p.stage,
        p.stage_index,
        p.tier,
        p.artifact_run_id,
        p.status,
        p.governance_run_id,
        p.approvals_required,
        p.approval_role,
        p.approvals_with_role,
        p.note,
        p.scheduled_by,
        p.rollback,
        p.rollback_of,
        audit.action,
        audit.actor,
        audit.note,
      ],
    )) as PromotionRow[];
    return rows[0];
  }

  /**
   * Applies a change only if the promotion is still at `version`, bumping it, with its audit entry (when given) in the
   * same statement; undefined when the version was stale or the promotion gone.
   */
  async updateIfVersion(
    m: Manager,
    id: string,
    version: number,
    changes: { status?: PromotionStatus; reason?: string | null; run_status?: string },
    audit?: AuditEntry,
  ): Promise<PromotionRow | undefined> {
    const sets = ['version = version + 1', 'updated_at = now()'];
    const params: unknown[] = [id, version];
    if (changes.status !== undefined) {
      params.push(changes.status);
      sets.push(`status = $${params.length}`);
      sets.push(`activated_at = CASE WHEN $${params.length} = 'active' THEN now() ELSE activated_at END`);
    }
    if (changes.reason !== undefined) {
      params.push(changes.reason);
      sets.push(`reason = $${params.length}`);
    }
    if (changes.run_status !== undefined) {
      params.push(changes.run_status);
      sets.push(`run_status = $${params.length}`);
    }
    const update = `UPDATE artifact_promotions SET ${sets.join(', ')} WHERE id = $1 AND version = $2
      RETURNING ${COLUMNS}`;
    if (!audit) {
      const [rows] = (await preparedQuery(m, update, params)) as [PromotionRow[], number];
      return rows[0];
    }
    const n = params.length;
    params.push(audit.action, audit.from, audit.actor, audit.note);
    const rows = (await preparedQuery(
      m,
      `WITH moved AS (${update}), audit AS (
         INSERT INTO promotion_audit (promotion_id, action, from_status, to_status, actor, note, version)
         SELECT id, $${n + 1}, $${n + 2}, status, $${n + 3}, $${n + 4}, version FROM moved
       )
       SELECT * FROM moved`,
      params,
    )) as PromotionRow[];
    return rows[0];
  }

  async approvals(m: Manager, promotionId: string): Promise<ApprovalRow[]> {
    return (await preparedQuery(
      m,
      `SELECT approver, role, decision, note, created_at FROM promotion_approvals
        WHERE promotion_id = $1 ORDER BY created_at, approver`,
      [promotionId],
    )) as ApprovalRow[];
  }

  /** Records a decision; false when this approver already decided on the promotion. */
  async insertDecision(
    m: Manager,
    a: { promotionId: string; approver: string; role: string | null; decision: string; note: string | null },
  ): Promise<boolean> {
    const rows = (await preparedQuery(
      m,
      `INSERT INTO promotion_approvals (promotion_id, approver, role, decision, note) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (promotion_id, approver) DO NOTHING RETURNING approver`,
      [a.promotionId, a.approver, a.role, a.decision, a.note],
    )) as unknown[];
    return rows.length === 1;
  }

  async findActiveBlock(m: Manager, trackId: string, digest: string): Promise<BlockRow | undefined> {
    const rows = (await preparedQuery(
      m,
      `SELECT ${BLOCK_COLUMNS} FROM promotion_blocks
        WHERE track_id = $1 AND manifest_digest = $2 AND lifted_at IS NULL ORDER BY created_at LIMIT 1`,
      [trackId, digest],
    )) as BlockRow[];
    return rows[0];
  }

  async findBlock(m: Manager, id: string): Promise<BlockRow | undefined> {
    const rows = (await preparedQuery(m, `SELECT ${BLOCK_COLUMNS} FROM promotion_blocks WHERE id = $1`, [
      id,
    ])) as BlockRow[];
    return rows[0];
  }

  async insertBlock(
    m: Manager,
    b: Pick<
      BlockRow,
      'id' | 'track_id' | 'manifest_digest' | 'kind' | 'promotion_id' | 'reason' | 'placed_by'
    >,
  ): Promise<BlockRow> {
    const rows = (await preparedQuery(
      m,
      `INSERT INTO promotion_blocks (id, track_id, manifest_digest, kind, promotion_id, reason, placed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${BLOCK_COLUMNS}`,
      [b.id, b.track_id, b.manifest_digest, b.kind, b.promotion_id, b.reason, b.placed_by],
    )) as BlockRow[];
    return rows[0];
  }

  /** Lifts a block still in force; undefined when it was already lifted. */
  async liftBlock(
    m: Manager,
    id: string,
    by: string | null,
    note: string | null,
  ): Promise<BlockRow | undefined> {
    const [rows] = (await preparedQuery(
      m,
      `UPDATE promotion_blocks SET lifted_by = $2, lifted_at = now(), lift_note = $3
        WHERE id = $1 AND lifted_at IS NULL RETURNING ${BLOCK_COLUMNS}`,
      [id, by, note],
    )) as [BlockRow[], number];
    return rows[0];
  }

  async listBlocks(
    m: Manager,
    f: {
      limit: number;
      after?: { createdAt: string; id: string };
      trackId?: string;
      digest?: string;
      activeOnly: boolean;
    },
  ): Promise<BlockRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.trackId) {
      params.push(f.trackId);
      where.push(`track_id = $${params.length}`);
    }
    if (f.digest) {
      params.push(f.digest);
      where.push(`manifest_digest = $${params.length}`);
    }
    if (f.activeOnly) where.push('lifted_at IS NULL');
    params.push(f.limit);
    return (await preparedQuery(
      m,
      `SELECT ${BLOCK_COLUMNS} FROM promotion_blocks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as BlockRow[];
  }
}

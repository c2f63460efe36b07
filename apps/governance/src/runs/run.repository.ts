// Every query of workflow runs, their step rows and audit log, each on the manager it is handed.
import { Injectable } from '@nestjs/common';
import type { GovernanceRunStatus, GovernanceStepStatus } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { preparedQuery } from '../prepared-statements';

export interface RunStepRow {
  position: number;
  name: string;
  action: string | null;
  status: GovernanceStepStatus;
  updated_at: string;
}

export interface RunRow {
  id: string;
  workflow_id: string;
  tier: string;
  artifact_run_id: string | null;
  manifest_digest: string | null;
  promotion_id: string | null;
  policy_decision_id: string | null;
  status: GovernanceRunStatus;
  context: Record<string, unknown>;
  started_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** created_at as Postgres renders it, microseconds included, for the keyset cursor. */
  cursor_ts: string;
  steps: RunStepRow[];
}

export interface RunAuditRow {
  id: string;
  step_position: number | null;
  from_status: string | null;
  to_status: string;
  note: string | null;
  actor: string | null;
  version: number;
  created_at: string;
}

/** The audit entry written with a run's change, in the same statement (its version is the run's new one). */
export interface RunAuditEntry {
  stepPosition: number | null;
  from: string | null;
  to: string;
  note: string | null;
  actor: string | null;
}

export interface RunListFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  workflowId?: string;
  status?: string;
  manifestDigest?: string;
  tier?: string;
  promotionId?: string;
  since?: string;
}

export type NewRun = Pick<
  RunRow,
  | 'id'
  | 'workflow_id'
  | 'tier'
  | 'artifact_run_id'
  | 'manifest_digest'
  | 'promotion_id'
  | 'policy_decision_id'
  | 'context'
  | 'started_by'
>;

const COLUMNS = `
  SELECT r.id, r.workflow_id, r.tier, r.artifact_run_id, r.manifest_digest, r.promotion_id, r.policy_decision_id,
         r.status, r.context, r.started_by, r.version, r.created_at, r.updated_at, r.completed_at,
         r.created_at::text AS cursor_ts,
         COALESCE(st.steps, '[]'::json) AS steps`;
const FROM = `
    FROM governance_runs r
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('position', s.position, 'name', s.name, 'action', s.action,
                                        'status', s.status, 'updated_at', s.updated_at) ORDER BY s.position) AS steps
        FROM governance_run_steps s WHERE s.run_id = r.id
    ) st ON true`;
const SELECT = `${COLUMNS} ${FROM}`;

/** The audit insert of a change statement, from its `moved` CTE (the run's id and new version); params $4-$8. */
const AUDIT_FROM_MOVED = `
  INSERT INTO governance_run_audit (run_id, step_position, from_status, to_status, note, actor, version)
  SELECT id, $4::int, $5, $6, $7, $8, version FROM moved
  RETURNING id, created_at`;

/** What a change statement answers: the run's new timestamps and its audit entry's id and time. */
const MOVED_ANSWER = `
  SELECT moved.updated_at, moved.completed_at, audit.id AS audit_id, audit.created_at AS audit_created_at
    FROM moved, audit`;

/** A change as stored: the run's timestamps after it (a moved step's updated_at is the run's), and its audit entry. */
export interface RunMoved {
  updated_at: string;
  completed_at: string | null;
  audit_id: string;
  audit_created_at: string;
}

function auditParams(a: RunAuditEntry): unknown[] {
  return [a.stepPosition, a.from, a.to, a.note, a.actor];
}

@Injectable()
export class RunRepository {
  async findById(m: Manager, id: string): Promise<RunRow | undefined> {
    const rows = (await preparedQuery(m, `${SELECT} WHERE r.id = $1`, [id])) as RunRow[];
    return rows[0];
  }

  /** The run with its audit log, in one statement. */
  async findDetail(m: Manager, id: string): Promise<(RunRow & { audit: RunAuditRow[] }) | undefined> {
    const rows = (await preparedQuery(
      m,
      `${COLUMNS},
       COALESCE((SELECT json_agg(json_build_object('id', a.id, 'step_position', a.step_position,
                                   'from_status', a.from_status, 'to_status', a.to_status, 'note', a.note,
                                   'actor', a.actor, 'version', a.version, 'created_at', a.created_at) ORDER BY a.id)
                   FROM governance_run_audit a WHERE a.run_id = r.id), '[]') AS audit
       ${FROM} WHERE r.id = $1`,
      [id],
    )) as (RunRow & { audit: RunAuditRow[] })[];
    return rows[0];
  }

  async list(m: Manager, f: RunListFilter): Promise<RunRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(r.created_at, r.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.workflowId) add((n) => `r.workflow_id = $${n}`, f.workflowId);
    if (f.status) add((n) => `r.status = $${n}`, f.status);
    if (f.manifestDigest) add((n) => `r.manifest_digest = $${n}`, f.manifestDigest);
    if (f.tier) add((n) => `r.tier = $${n}`, f.tier);
    if (f.promotionId) add((n) => `r.promotion_id = $${n}`, f.promotionId);
    if (f.since) add((n) => `r.created_at >= $${n}::timestamptz`, f.since);
    params.push(f.limit);
    return (await preparedQuery(
      m,
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.created_at, r.id LIMIT $${params.length}`,
      params,
    )) as RunRow[];
  }

  /**
   * Inserts the run, one pending step row per workflow step (copied from the workflow) and the audit's first entry
   * (pending, 'run started'), in one statement; returns the run row as stored (its steps are the workflow's, all
   * pending).
   */
  async insert(m: Manager, r: NewRun): Promise<Omit<RunRow, 'steps' | 'cursor_ts'>> {
    const rows = (await preparedQuery(
      m,
      `WITH run AS (
         INSERT INTO governance_runs (id, workflow_id, tier, artifact_run_id, manifest_digest, promotion_id,
                                      policy_decision_id, status, context, started_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8::jsonb, $9)
         RETURNING id, workflow_id, tier, artifact_run_id, manifest_digest, promotion_id, policy_decision_id, status,
                   context, started_by, version, created_at, updated_at, completed_at
       ), steps AS (
         INSERT INTO governance_run_steps (run_id, position, name, action, status)
         SELECT $1, position, name, action, 'pending' FROM governance_workflow_steps WHERE workflow_id = $2
       ), audit AS (
         INSERT INTO governance_run_audit (run_id, step_position, from_status, to_status, note, actor, version)
         SELECT id, NULL, NULL, 'pending', 'run started', started_by, version FROM run
       )
       SELECT * FROM run`,
      [
        r.id,
        r.workflow_id,
        r.tier,
        r.artifact_run_id,
        r.manifest_digest,
        r.promotion_id,
        r.policy_decision_id,
        JSON.stringify(r.context),
        r.started_by,
      ],
    )) as Omit<RunRow, 'steps' | 'cursor_ts'>[];
    return rows[0];
  }

  /**
   * Moves the run to `status` only if it is still at `version`, with its audit entry, in one statement; undefined when
   * the version was stale or the run gone.
   */
  async setStatusIfVersion(
    m: Manager,
    id: string,
    version: number,
    status: GovernanceRunStatus,
    audit: RunAuditEntry,
  ): Promise<RunMoved | undefined> {
    const rows = (await preparedQuery(
      m,
      `WITH moved AS (
         UPDATE governance_runs
            SET status = $3, version = version + 1, updated_at = now(),
                completed_at = CASE WHEN $3 IN ('succeeded', 'failed', 'cancelled') THEN now() ELSE completed_at END
          WHERE id = $1 AND version = $2 RETURNING id, version, updated_at, completed_at
       ), audit AS (${AUDIT_FROM_MOVED})
       ${MOVED_ANSWER}`,
      [id, version, status, ...auditParams(audit)],
    )) as RunMoved[];
    return rows[0];
  }

  /**
   * Moves one step to `status`, bumping the run's version only if it is still at `version`, with its audit entry, in
   * one statement; undefined when the version was stale or the run gone.
   */
  async setStepStatusIfVersion(
    m: Manager,
    id: string,
    version: number,
    position: number,
    status: GovernanceStepStatus,
    audit: RunAuditEntry,
  ): Promise<RunMoved | undefined> {
    const rows = (await preparedQuery(
      m,
      `WITH moved AS (
         UPDATE governance_runs SET version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $2 RETURNING id, version, updated_at, completed_at
       ), step AS (
         UPDATE governance_run_steps SET status = $3, updated_at = now()
          WHERE run_id = (SELECT id FROM moved) AND position = $9
       ), audit AS (${AUDIT_FROM_MOVED})
       ${MOVED_ANSWER}`,
      [id, version, status, ...auditParams(audit), position],
    )) as RunMoved[];
    return rows[0];
  }
}

// Every query of runtime_policy_decisions: the audit log of placement decisions, listed in keyset pages.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface DecisionRow {
  id: string;
  server_id: string;
  launch_id: string;
  backend: string;
  candidate_backend: string;
  image: string;
  requires_build: boolean;
  capability_requirements: string[];
  capabilities_satisfied: boolean;
  executor_name: string | null;
  manifest_digest: string | null;
  artifact_run_id: string | null;
  tier: string | null;
  policy_notes: string[];
  evaluation_required: boolean;
  governance_required: boolean;
  key_posture: Record<string, unknown> | null;
  governance_run_id: string | null;
  requested_backend: string | null;
  requested_tier: string | null;
  requested_by: string | null;
  decided_at: Date;
}

export interface DecisionFilter {
  limit: number;
  after?: { key: string; id: string };
  serverId?: string;
  tier?: string;
  backend?: string;
  gated?: boolean;
}

const COLUMNS = `id, server_id, launch_id, backend, candidate_backend, image, requires_build, capability_requirements,
  capabilities_satisfied, executor_name, manifest_digest, artifact_run_id, tier, policy_notes, evaluation_required,
  governance_required, key_posture, governance_run_id, requested_backend, requested_tier, requested_by, decided_at`;

@Injectable()
export class PolicyDecisionRepository {
  async insert(m: Manager, d: Omit<DecisionRow, 'decided_at'>): Promise<DecisionRow> {
    const rows = (await m.query(
      `INSERT INTO runtime_policy_decisions (id, server_id, launch_id, backend, candidate_backend, image, requires_build,
         capability_requirements, capabilities_satisfied, executor_name, manifest_digest, artifact_run_id, tier,
         policy_notes, evaluation_required, governance_required, key_posture, governance_run_id, requested_backend,
         requested_tier, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
       RETURNING ${COLUMNS}`,
      [
        d.id,
        d.server_id,
        d.launch_id,
        d.backend,
        d.candidate_backend,
        d.image,
        d.requires_build,
        d.capability_requirements,
        d.capabilities_satisfied,
        d.executor_name,
        d.manifest_digest,
        d.artifact_run_id,
        d.tier,
        d.policy_notes,
        d.evaluation_required,
        d.governance_required,
        d.key_posture === null ? null : JSON.stringify(d.key_posture),
        d.governance_run_id,
        d.requested_backend,
        d.requested_tier,
        d.requested_by,
      ],
    )) as DecisionRow[];
    return rows[0];
  }

  async findById(m: Manager, id: string): Promise<DecisionRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM runtime_policy_decisions WHERE id = $1`, [
      id,
    ])) as DecisionRow[];
    return rows[0];
  }

  async latestForServer(m: Manager, serverId: string): Promise<DecisionRow | undefined> {
    const rows = (await m.query(
      `SELECT ${COLUMNS} FROM runtime_policy_decisions WHERE server_id = $1 ORDER BY decided_at DESC, id DESC LIMIT 1`,
      [serverId],
    )) as DecisionRow[];
    return rows[0];
  }

  /** Links the governance run that certified a placement to its decision (the spec's audit trail). */
  async linkGovernanceRun(m: Manager, decisionId: string, runId: string): Promise<void> {
    await m.query(
      `UPDATE runtime_policy_decisions SET governance_run_id = $2 WHERE id = $1 AND governance_run_id IS NULL`,
      [decisionId, runId],
    );
  }

  /** Rows in keyset order (decided_at, id); `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(m: Manager, f: DecisionFilter): Promise<(DecisionRow & { cursor_ts: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.after) {
      params.push(f.after.key, f.after.id);
      where.push(`(decided_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.serverId) {
      params.push(f.serverId);
      where.push(`server_id = $${params.length}`);
    }
    if (f.tier) {
      params.push(f.tier);
      where.push(`tier = $${params.length}`);
    }
    if (f.backend) {
      params.push(f.backend);
      where.push(`backend = $${params.length}`);
    }
    if (f.gated !== undefined) {
      where.push(
        f.gated
          ? '(evaluation_required OR governance_required)'
          : 'NOT (evaluation_required OR governance_required)',
      );
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${COLUMNS}, decided_at::text AS cursor_ts FROM runtime_policy_decisions
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY decided_at, id LIMIT $${params.length}`,
      params,
    )) as (DecisionRow & { cursor_ts: string })[];
  }
}

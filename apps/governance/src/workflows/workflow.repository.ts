// Every query of governance workflows and their steps, each on the manager it is handed.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';
import type { GovernanceWorkflowEntity, GovernanceWorkflowStepEntity } from './workflow.entity';
import { preparedQuery } from '../prepared-statements';

export type WorkflowStepRow = Omit<GovernanceWorkflowStepEntity, 'workflow_id'>;

/** A workflow with its steps in order, and its exact creation time as text for the keyset cursor. */
export type WorkflowRow = GovernanceWorkflowEntity & { steps: WorkflowStepRow[]; created_at_key: string };

export interface WorkflowListFilter {
  limit: number;
  after?: { createdAt: string; id: string };
  tier?: string;
  kind?: string;
}

const SELECT = `
  SELECT w.id, w.name, w.kind, w.tier, w.description, w.created_by, w.created_at, w.updated_at,
         to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_key,
         COALESCE(st.steps, '[]'::json) AS steps
    FROM governance_workflows w
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('position', s.position, 'name', s.name, 'action', s.action,
                                        'description', s.description) ORDER BY s.position) AS steps
        FROM governance_workflow_steps s WHERE s.workflow_id = w.id
    ) st ON true`;

@Injectable()
export class WorkflowRepository {
  async findById(m: Manager, id: string): Promise<WorkflowRow | undefined> {
    const rows = (await preparedQuery(m, `${SELECT} WHERE w.id = $1`, [id])) as WorkflowRow[];
    return rows[0];
  }

  async list(m: Manager, f: WorkflowListFilter): Promise<WorkflowRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(w.created_at, w.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.tier) {
      params.push(f.tier);
      where.push(`w.tier = $${params.length}`);
    }
    if (f.kind) {
      params.push(f.kind);
      where.push(`w.kind = $${params.length}`);
    }
    params.push(f.limit);
    return (await preparedQuery(
      m,
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY w.created_at, w.id LIMIT $${params.length}`,
      params,
    )) as WorkflowRow[];
  }

  /** Inserts the workflow and its steps (positions 0..n-1 in the given order); a taken name raises 23505. */
  async insert(
    m: Manager,
    w: Pick<GovernanceWorkflowEntity, 'id' | 'name' | 'kind' | 'tier' | 'description' | 'created_by'>,
    steps: Omit<WorkflowStepRow, 'position'>[],
  ): Promise<WorkflowRow> {
    await preparedQuery(
      m,
      `INSERT INTO governance_workflows (id, name, kind, tier, description, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [w.id, w.name, w.kind, w.tier, w.description, w.created_by],
    );
    const params: unknown[] = [w.id];
    const values = steps.map((s, position) => {
      params.push(position, s.name, s.action, s.description);
      const n = params.length;
      return `($1, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await preparedQuery(
      m,
      `INSERT INTO governance_workflow_steps (workflow_id, position, name, action, description)
       VALUES ${values.join(', ')}`,
      params,
    );
    const row = await this.findById(m, w.id);
    if (!row) throw new Error(`workflow ${w.id} vanished inside its own transaction`);
    return row;
  }
}

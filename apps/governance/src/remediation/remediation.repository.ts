// Every query of remediation_playbooks, remediation_runs and remediation_artifacts; each runs on the manager given.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';
import type { PlaybookConfig } from './remediation.config';

export interface PlaybookRow {
  name: string;
  executor_type: string;
  requires_approval: boolean;
  sla_seconds: number;
  parameters: Record<string, unknown>;
  description: string | null;
}

export interface RunRow {
  id: string;
  instance_id: string;
  playbook: string;
  executor_type: string;
  owner: string | null;
  status: string;
  approval_state: string;
  approver: string | null;
  notes: string | null;
  metadata: Record<string, unknown>;
  payload: Record<string, unknown>;
  attempt: number;
  version: number;
  sla_due_at: Date;
  sla_breached: boolean;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ArtifactRow {
  id: string;
  run_id: string;
  kind: string;
  digest: string;
  size_bytes: number;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

const RUN_COLUMNS =
  'id, instance_id, playbook, executor_type, owner, status, approval_state, approver, notes, metadata, payload, attempt, version, sla_due_at, sla_breached, failure_reason, created_at, updated_at, started_at, finished_at';

export type RunChanges = Partial<
  Pick<
    RunRow,
    | 'status'
    | 'approval_state'
    | 'approver'
    | 'notes'
    | 'failure_reason'
    | 'started_at'
    | 'finished_at'
    | 'sla_breached'
  >
>;

@Injectable()
export class RemediationRepository {
  async seedPlaybooks(m: Manager, playbooks: PlaybookConfig[]): Promise<void> {
    for (const p of playbooks) {
      await m.query(
        `INSERT INTO remediation_playbooks (name, executor_type, requires_approval, sla_seconds, parameters, description)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET executor_type = $2, requires_approval = $3, sla_seconds = $4,
           parameters = $5, description = $6, updated_at = now()`,
        [
          p.name,
          p.executor_type,
          p.requires_approval,
          p.sla_seconds,
          JSON.stringify(p.parameters),
          p.description,
        ],
      );
    }
  }

  async playbooks(m: Manager): Promise<PlaybookRow[]> {
    return (await m.query(
      `SELECT name, executor_type, requires_approval, sla_seconds, parameters, description FROM remediation_playbooks ORDER BY name`,
    )) as PlaybookRow[];
  }

  async playbook(m: Manager, name: string): Promise<PlaybookRow | undefined> {
    const rows = (await m.query(
      `SELECT name, executor_type, requires_approval, sla_seconds, parameters, description FROM remediation_playbooks WHERE name = $1`,
      [name],
    )) as PlaybookRow[];
    return rows[0];
  }

  async insertRun(
    m: Manager,
    r: Pick<
      RunRow,
      | 'id'
      | 'instance_id'
      | 'playbook'
      | 'executor_type'
      | 'owner'
      | 'status'
      | 'approval_state'
      | 'metadata'
      | 'payload'
    > & { sla_seconds: number },
  ): Promise<RunRow> {
    const rows = (await m.query(
      `INSERT INTO remediation_runs (id, instance_id, playbook, executor_type, owner, status, approval_state, metadata, payload, sla_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp() + make_interval(secs => $10)) RETURNING ${RUN_COLUMNS}`,
      [
        r.id,
        r.instance_id,
        r.playbook,
        r.executor_type,
        r.owner,
        r.status,
        r.approval_state,
        JSON.stringify(r.metadata),
        JSON.stringify(r.payload),
        r.sla_seconds,
      ],
    )) as RunRow[];
    return rows[0];
  }

  async findRun(m: Manager, id: string, lock = false): Promise<RunRow | undefined> {
    const rows = (await m.query(
      `SELECT ${RUN_COLUMNS} FROM remediation_runs WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    )) as RunRow[];
    return rows[0];
  }

  async listRuns(
    m: Manager,
    f: { limit: number; after?: { createdAt: string; id: string }; instanceId?: string; status?: string },
  ): Promise<(RunRow & { cursor_ts: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.instanceId) {
      params.push(f.instanceId);
      where.push(`instance_id = $${params.length}`);
    }
    if (f.status) {
      params.push(f.status);
      where.push(`status = $${params.length}`);
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${RUN_COLUMNS}, created_at::text AS cursor_ts FROM remediation_runs
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (RunRow & { cursor_ts: string })[];
  }

  /** Applies `changes` only if the run is still at `version`; undefined when it is not. */
  async updateRunIfVersion(
    m: Manager,
    id: string,
    version: number,
    changes: RunChanges,
  ): Promise<RunRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, version];
    for (const [k, v] of Object.entries(changes)) {
      params.push(v);
      sets.push(`${k} = $${params.length}`);
    }
    const [rows] = (await m.query(
      `UPDATE remediation_runs SET ${sets.join(', ')}, version = version + 1, updated_at = clock_timestamp()
       WHERE id = $1 AND version = $2 RETURNING ${RUN_COLUMNS}`,
      params,
    )) as [RunRow[], number];
    return rows[0];
  }

  /** Marks open runs past their SLA, once each. */
  async markSlaBreaches(m: Manager, limit: number): Promise<RunRow[]> {
    const [rows] = (await m.query(
      `UPDATE remediation_runs SET sla_breached = true, version = version + 1, updated_at = clock_timestamp()
       WHERE id IN (
         SELECT id FROM remediation_runs
         WHERE NOT sla_breached AND status IN ('pending', 'awaiting_approval', 'running') AND sla_due_at < clock_timestamp()
         ORDER BY sla_due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${RUN_COLUMNS}`,
      [limit],
    )) as [RunRow[], number];
    return rows;
  }

  async insertArtifact(
    m: Manager,
    a: {
      id: string;
      run_id: string;
      kind: string;
      digest: string;
      content: Buffer;
      metadata: Record<string, unknown>;
    },
  ): Promise<ArtifactRow> {
    const rows = (await m.query(
      `INSERT INTO remediation_artifacts (id, run_id, kind, digest, size_bytes, content, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, run_id, kind, digest, size_bytes, metadata, recorded_at`,
      [a.id, a.run_id, a.kind, a.digest, a.content.length, a.content, JSON.stringify(a.metadata)],
    )) as ArtifactRow[];
    return rows[0];
  }

  /** How many log lines the run's stored logs hold: the next line's sequence number. */
  async logLineCount(m: Manager, runId: string): Promise<number> {
    const rows = (await m.query(
      `SELECT COALESCE(sum((metadata->>'lines')::int), 0)::int AS n FROM remediation_artifacts
       WHERE run_id = $1 AND kind = 'log'`,
      [runId],
    )) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  async artifacts(m: Manager, runId: string): Promise<ArtifactRow[]> {
    return (await m.query(
      `SELECT id, run_id, kind, digest, size_bytes, metadata, recorded_at FROM remediation_artifacts
       WHERE run_id = $1 ORDER BY recorded_at, id`,
      [runId],
    )) as ArtifactRow[];
  }
}

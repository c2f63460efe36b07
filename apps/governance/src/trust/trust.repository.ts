// Every query of trust_registry and trust_registry_history; each method runs on the manager it is given.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface TrustRow {
  vm_instance_id: string;
  server_id: string;
  status: string;
  lifecycle_state: string;
  remediation_state: string | null;
  provenance: Record<string, unknown> | null;
  source_version: number;
  version: number;
  last_evidence_at: Date;
  created_at: Date;
  updated_at: Date;
  stale: boolean;
}

export interface TrustHistoryRow {
  version: number;
  status: string;
  lifecycle_state: string;
  previous_status: string | null;
  previous_lifecycle_state: string | null;
  actor: string | null;
  reason: string | null;
  transitioned_at: Date;
}

export interface TrustListFilter {
  staleAfterSeconds: number;
  limit: number;
  after?: { createdAt: string; id: string };
  serverId?: string;
  lifecycle?: string;
  status?: string;
  stale?: boolean;
}

const columns = (staleParam: string) =>
  `vm_instance_id, server_id, status, lifecycle_state, remediation_state, provenance, source_version, version,
   last_evidence_at, created_at, updated_at, last_evidence_at < now() - make_interval(secs => ${staleParam}) AS stale`;

@Injectable()
export class TrustRepository {
  async find(m: Manager, id: string, staleAfterSeconds: number, lock = false): Promise<TrustRow | undefined> {
    const rows = (await m.query(
      `SELECT ${columns('$2')} FROM trust_registry WHERE vm_instance_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id, staleAfterSeconds],
    )) as TrustRow[];
    return rows[0];
  }

  async list(m: Manager, f: TrustListFilter): Promise<(TrustRow & { cursor_ts: string })[]> {
    const params: unknown[] = [f.staleAfterSeconds];
    const where: string[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(
        `(created_at, vm_instance_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    if (f.serverId) {
      params.push(f.serverId);
      where.push(`server_id = $${params.length}`);
    }
    if (f.lifecycle) {
      params.push(f.lifecycle);
      where.push(`lifecycle_state = $${params.length}`);
    }
    if (f.status) {
      params.push(f.status);
      where.push(`status = $${params.length}`);
    }
    if (f.stale !== undefined) {
      where.push(`last_evidence_at ${f.stale ? '<' : '>='} now() - make_interval(secs => $1)`);
    }
    params.push(f.limit);
    return (await m.query(
      `SELECT ${columns('$1')}, created_at::text AS cursor_ts FROM trust_registry
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, vm_instance_id LIMIT $${params.length}`,
      params,
    )) as (TrustRow & { cursor_ts: string })[];
  }

  /** Inserts the first snapshot; undefined when one already exists. */
  async insert(
    m: Manager,
    r: Pick<
      TrustRow,
      'vm_instance_id' | 'server_id' | 'status' | 'lifecycle_state' | 'source_version' | 'last_evidence_at'
    >,
  ): Promise<{ version: number } | undefined> {
    const rows = (await m.query(
      `INSERT INTO trust_registry (vm_instance_id, server_id, status, lifecycle_state, source_version, last_evidence_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (vm_instance_id) DO NOTHING RETURNING version`,
      [r.vm_instance_id, r.server_id, r.status, r.lifecycle_state, r.source_version, r.last_evidence_at],
    )) as { version: number }[];
    return rows[0];
  }

  /** Moves the snapshot only if it is still at `version`; undefined when it is not. */
  async updateIfVersion(
    m: Manager,
    id: string,
    version: number,
    c: {
      status: string;
      lifecycle_state: string;
      remediation_state?: string | null;
      provenance?: Record<string, unknown>;
      source_version?: number;
      last_evidence_at?: Date;
    },
  ): Promise<{ version: number } | undefined> {
    const [rows] = (await m.query(
      `UPDATE trust_registry SET status = $3, lifecycle_state = $4,
         remediation_state = CASE WHEN $5::boolean THEN $6 ELSE remediation_state END,
         provenance = COALESCE($7::jsonb, provenance),
         source_version = COALESCE($8, source_version),
         last_evidence_at = COALESCE($9, last_evidence_at),
         version = version + 1, updated_at = clock_timestamp()
       WHERE vm_instance_id = $1 AND version = $2 RETURNING version`,
      [
        id,
        version,
        c.status,
        c.lifecycle_state,
        c.remediation_state !== undefined,
        c.remediation_state ?? null,
        c.provenance === undefined ? null : JSON.stringify(c.provenance),
        c.source_version ?? null,
        c.last_evidence_at ?? null,
      ],
    )) as [{ version: number }[], number];
    return rows[0];
  }

  async insertHistory(
    m: Manager,
    id: string,
    h: Omit<TrustHistoryRow, 'transitioned_at'>,
  ): Promise<TrustHistoryRow> {
    const rows = (await m.query(
      `INSERT INTO trust_registry_history
         (vm_instance_id, version, status, lifecycle_state, previous_status, previous_lifecycle_state, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING version, status, lifecycle_state, previous_status, previous_lifecycle_state, actor, reason, transitioned_at`,
      [
        id,
        h.version,
        h.status,
        h.lifecycle_state,
        h.previous_status,
        h.previous_lifecycle_state,
        h.actor,
        h.reason,
      ],
    )) as TrustHistoryRow[];
    return rows[0];
  }

  async history(m: Manager, id: string, limit: number): Promise<TrustHistoryRow[]> {
    return (await m.query(
      `SELECT version, status, lifecycle_state, previous_status, previous_lifecycle_state, actor, reason, transitioned_at
       FROM trust_registry_history WHERE vm_instance_id = $1 ORDER BY version DESC LIMIT $2`,
      [id, limit],
    )) as TrustHistoryRow[];
  }
}

// Every query of runtime_vm_instances and runtime_vm_events; each method runs on the manager it is given.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface VmInstanceRow {
  id: string;
  server_id: string;
  decision_id: string | null;
  launch_id: string | null;
  executor_name: string;
  isolation_tier: string;
  lifecycle: string;
  attestation_status: string;
  measurement: string | null;
  attestation_nonce: string | null;
  nonce_issued_at: Date | null;
  attestation_details: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface VmEventRow {
  id: string;
  vm_instance_id: string;
  server_id: string;
  event_type: string;
  lifecycle: string;
  attestation_status: string;
  isolation_tier: string | null;
  fallback_reason: string | null;
  details: Record<string, unknown>;
  occurred_at: Date;
}

const COLUMNS =
  'id, server_id, decision_id, launch_id, executor_name, isolation_tier, lifecycle, attestation_status, measurement, attestation_nonce, nonce_issued_at, attestation_details, version, created_at, updated_at';

export type VmInstanceChanges = Partial<
  Pick<
    VmInstanceRow,
    | 'lifecycle'
    | 'attestation_status'
    | 'isolation_tier'
    | 'measurement'
    | 'attestation_nonce'
    | 'nonce_issued_at'
    | 'attestation_details'
  >
>;

@Injectable()
export class VmInstanceRepository {
  async findById(m: Manager, id: string): Promise<VmInstanceRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM runtime_vm_instances WHERE id = $1`, [
      id,
    ])) as VmInstanceRow[];
    return rows[0];
  }

  async insert(
    m: Manager,
    r: Pick<
      VmInstanceRow,
      | 'id'
      | 'server_id'
      | 'decision_id'
      | 'launch_id'
      | 'executor_name'
      | 'isolation_tier'
      | 'lifecycle'
      | 'attestation_status'
    >,
  ): Promise<VmInstanceRow> {
    const rows = (await m.query(
      `INSERT INTO runtime_vm_instances (id, server_id, decision_id, launch_id, executor_name, isolation_tier, lifecycle, attestation_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        r.id,
        r.server_id,
        r.decision_id,
        r.launch_id,
        r.executor_name,
        r.isolation_tier,
        r.lifecycle,
        r.attestation_status,
      ],
    )) as VmInstanceRow[];
    return rows[0];
  }

  /** Applies `changes` only if the row is still at `version` in lifecycle `from`; undefined otherwise. */
  async updateIfVersion(
    m: Manager,
    id: string,
    version: number,
    from: string,
    changes: VmInstanceChanges,
  ): Promise<VmInstanceRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, version, from];
    for (const [k, v] of Object.entries(changes)) {
      params.push(k === 'attestation_details' ? JSON.stringify(v) : v);
      sets.push(`${k} = $${params.length}`);
    }
    // An UPDATE answers [rows, affected count].
    const [rows] = (await m.query(
      `UPDATE runtime_vm_instances SET ${sets.join(', ')}, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND lifecycle = $3 RETURNING ${COLUMNS}`,
      params,
    )) as [VmInstanceRow[], number];
    return rows[0];
  }

  async insertEvent(m: Manager, e: Omit<VmEventRow, 'occurred_at'>): Promise<VmEventRow> {
    const rows = (await m.query(
      `INSERT INTO runtime_vm_events (id, vm_instance_id, server_id, event_type, lifecycle, attestation_status, isolation_tier, fallback_reason, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id, vm_instance_id, server_id, event_type, lifecycle, attestation_status, isolation_tier, fallback_reason, details, occurred_at`,
      [
        e.id,
        e.vm_instance_id,
        e.server_id,
        e.event_type,
        e.lifecycle,
        e.attestation_status,
        e.isolation_tier,
        e.fallback_reason,
        JSON.stringify(e.details),
      ],
    )) as VmEventRow[];
    return rows[0];
  }

  async latestForServer(m: Manager, serverId: string, limit: number): Promise<VmInstanceRow[]> {
    return (await m.query(
      `SELECT ${COLUMNS} FROM runtime_vm_instances WHERE server_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [serverId, limit],
    )) as VmInstanceRow[];
  }

  /** The latest `perInstance` events of each instance, newest first. */
  async eventsOf(m: Manager, instanceIds: string[], perInstance: number): Promise<VmEventRow[]> {
    if (instanceIds.length === 0) return [];
    return (await m.query(
      `SELECT e.id, e.vm_instance_id, e.server_id, e.event_type, e.lifecycle, e.attestation_status, e.isolation_tier,
              e.fallback_reason, e.details, e.occurred_at
       FROM unnest($1::uuid[]) AS i(id)
       CROSS JOIN LATERAL (
         SELECT * FROM runtime_vm_events WHERE vm_instance_id = i.id ORDER BY occurred_at DESC, id LIMIT $2
       ) e`,
      [instanceIds, perInstance],
    )) as VmEventRow[];
  }

  async listByExecutor(m: Manager, executorName: string, lifecycles: string[]): Promise<VmInstanceRow[]> {
    return (await m.query(
      `SELECT ${COLUMNS} FROM runtime_vm_instances WHERE executor_name = $1 AND lifecycle = ANY($2::text[])`,
      [executorName, lifecycles],
    )) as VmInstanceRow[];
  }
}

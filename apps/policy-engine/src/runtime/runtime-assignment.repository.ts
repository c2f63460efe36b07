// Every query of runtime_assignments: which executor and instance serve each server, and what state it should be in.
// The orchestrator's memory is this table, so a restarted process knows what to adopt, relaunch or remove.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export type DesiredState = 'running' | 'stopped' | 'failed';

export interface AssignmentRow {
  server_id: string;
  decision_id: string;
  launch_id: string;
  backend: string;
  executor_name: string;
  image: string;
  desired_state: DesiredState;
  instance_ref: string | null;
  endpoint: string | null;
  restarts: number;
  last_error: string | null;
  version: number;
  updated_at: Date;
}

const COLUMNS = `server_id, decision_id, launch_id, backend, executor_name, image, desired_state, instance_ref, endpoint,
  restarts, last_error, version, updated_at`;

@Injectable()
export class RuntimeAssignmentRepository {
  /** Assigns a new decision to the server, replacing the previous assignment. */
  async assign(
    m: Manager,
    a: Pick<AssignmentRow, 'server_id' | 'decision_id' | 'launch_id' | 'backend' | 'executor_name' | 'image'>,
  ): Promise<AssignmentRow> {
    const rows = (await m.query(
      `INSERT INTO runtime_assignments (server_id, decision_id, launch_id, backend, executor_name, image, desired_state)
       VALUES ($1, $2, $3, $4, $5, $6, 'running')
       ON CONFLICT (server_id) DO UPDATE SET decision_id = EXCLUDED.decision_id, launch_id = EXCLUDED.launch_id,
         backend = EXCLUDED.backend, executor_name = EXCLUDED.executor_name, image = EXCLUDED.image,
         desired_state = 'running', instance_ref = NULL, endpoint = NULL, restarts = 0, last_error = NULL,
         version = runtime_assignments.version + 1, updated_at = now()
       RETURNING ${COLUMNS}`,
      [a.server_id, a.decision_id, a.launch_id, a.backend, a.executor_name, a.image],
    )) as AssignmentRow[];
    return rows[0];
  }

  async find(m: Manager, serverId: string, forUpdate = false): Promise<AssignmentRow | undefined> {
    const rows = (await m.query(
      `SELECT ${COLUMNS} FROM runtime_assignments WHERE server_id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [serverId],
    )) as AssignmentRow[];
    return rows[0];
  }

  async all(m: Manager): Promise<AssignmentRow[]> {
    return (await m.query(`SELECT ${COLUMNS} FROM runtime_assignments`)) as AssignmentRow[];
  }

  /** Records the executor's instance, only while the row is still at `version` (no stop or new launch since). */
  async recordInstance(
    m: Manager,
    serverId: string,
    version: number,
    instanceRef: string,
    endpoint: string | null,
  ): Promise<AssignmentRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE runtime_assignments SET instance_ref = $3, endpoint = $4, version = version + 1, updated_at = now()
       WHERE server_id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      [serverId, version, instanceRef, endpoint],
    )) as [AssignmentRow[], number];
    return rows[0];
  }

  async setDesired(
    m: Manager,
    serverId: string,
    desired: DesiredState,
    lastError: string | null = null,
  ): Promise<AssignmentRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE runtime_assignments SET desired_state = $2, last_error = COALESCE($3, last_error),
         version = version + 1, updated_at = now() WHERE server_id = $1 RETURNING ${COLUMNS}`,
      [serverId, desired, lastError],
    )) as [AssignmentRow[], number];
    return rows[0];
  }

  async countRestart(m: Manager, serverId: string): Promise<void> {
    await m.query(
      `UPDATE runtime_assignments SET restarts = restarts + 1, updated_at = now() WHERE server_id = $1`,
      [serverId],
    );
  }

  async clearInstance(m: Manager, serverId: string, instanceRef: string): Promise<void> {
    await m.query(
      `UPDATE runtime_assignments SET instance_ref = NULL, endpoint = NULL, version = version + 1, updated_at = now()
       WHERE server_id = $1 AND instance_ref = $2`,
      [serverId, instanceRef],
    );
  }

  /** Forgets the assignment of a server that was deleted, once nothing runs for it any more. */
  async deleteIfServerGone(m: Manager, serverId: string): Promise<void> {
    await m.query(
      `DELETE FROM runtime_assignments WHERE server_id = $1 AND instance_ref IS NULL
         AND NOT EXISTS (SELECT 1 FROM servers WHERE id = $1)`,
      [serverId],
    );
  }
}

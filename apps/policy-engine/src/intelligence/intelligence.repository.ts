// Every query of capability intelligence; each method takes the manager it runs on.
import { Injectable } from '@nestjs/common';
import type { IntelligenceSignal } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export interface AnomalyRow {
  signal: IntelligenceSignal;
  last_hour: number;
  baseline_per_hour: number;
  note: string;
  detected_at: Date;
}

@Injectable()
export class IntelligenceRepository {
  /**
   * Serializes the signals of one server and kind until the transaction ends: events of one server arrive on
   * several partitions (remediation runs are keyed by run), and the anomaly check must see the others' rows.
   */
  async lockSeries(m: Manager, serverId: string, signal: IntelligenceSignal): Promise<void> {
    await m.query(
      `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.intelligence'), hashtext($1))`,
      [`${serverId}:${signal}`],
    );
  }

  /** True when the signal is new; a redelivered event (same id) inserts nothing. */
  async insertSignal(
    m: Manager,
    s: { eventId: string; serverId: string; signal: IntelligenceSignal; at: Date },
  ): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO server_intelligence_signals (event_id, server_id, signal, occurred_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [s.eventId, s.serverId, s.signal, s.at],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Observations of one signal in the hour up to its latest observation, and in the 23 hours before that hour, with
   * that reference time. Reading from the latest observation (not the arriving event's time) lets an event that
   * arrives late, out of order, still count in the current window.
   */
  async windowCounts(
    m: Manager,
    serverId: string,
    signal: IntelligenceSignal,
  ): Promise<{ last_hour: number; before: number; at: Date }> {
    const rows = (await m.query(
      `WITH ref AS (
         SELECT max(occurred_at) AS at FROM server_intelligence_signals WHERE server_id = $1 AND signal = $2
       )
       SELECT ref.at,
              count(s.*) FILTER (WHERE s.occurred_at > ref.at - interval '1 hour')::int AS last_hour,
              count(s.*) FILTER (WHERE s.occurred_at <= ref.at - interval '1 hour')::int AS before
       FROM ref LEFT JOIN server_intelligence_signals s
         ON s.server_id = $1 AND s.signal = $2 AND s.occurred_at > ref.at - interval '24 hours'
       GROUP BY ref.at`,
      [serverId, signal],
    )) as { last_hour: number; before: number; at: Date }[];
    return rows[0];
  }

  /** One note per server, signal and hour; a later, larger count in the same hour replaces it. */
  async upsertAnomaly(m: Manager, serverId: string, a: AnomalyRow): Promise<void> {
    await m.query(
      `INSERT INTO server_intelligence_anomalies (server_id, signal, hour, last_hour, baseline_per_hour, note, detected_at)
       VALUES ($1, $2, date_trunc('hour', $6::timestamptz), $3, $4, $5, $6)
       ON CONFLICT (server_id, signal, hour) DO UPDATE
         SET last_hour = EXCLUDED.last_hour, baseline_per_hour = EXCLUDED.baseline_per_hour, note = EXCLUDED.note,
             detected_at = EXCLUDED.detected_at
         WHERE server_intelligence_anomalies.last_hour < EXCLUDED.last_hour`,
      [serverId, a.signal, a.last_hour, a.baseline_per_hour, a.note, a.detected_at],
    );
  }

  /** The server a remediation run's instance belongs to: a VM instance of this runtime, or a server by its id. */
  async serverOfInstance(m: Manager, instanceId: string): Promise<string | undefined> {
    const rows = (await m.query(
      `SELECT server_id FROM runtime_vm_instances WHERE id = $1
       UNION ALL SELECT id AS server_id FROM servers WHERE id = $1
       LIMIT 1`,
      [instanceId],
    )) as { server_id: string }[];
    return rows[0]?.server_id;
  }

  async serverExists(m: Manager, serverId: string): Promise<boolean> {
    return ((await m.query('SELECT 1 FROM servers WHERE id = $1', [serverId])) as unknown[]).length > 0;
  }

  async counts(
    m: Manager,
    serverId: string,
    since: Date,
  ): Promise<{ signal: IntelligenceSignal; n: number; last: Date }[]> {
    return (await m.query(
      `SELECT signal, count(*)::int AS n, max(occurred_at) AS last FROM server_intelligence_signals
       WHERE server_id = $1 AND occurred_at > $2 GROUP BY signal`,
      [serverId, since],
    )) as { signal: IntelligenceSignal; n: number; last: Date }[];
  }

  async latestCredential(
    m: Manager,
    serverId: string,
  ): Promise<'credential_healthy' | 'credential_unhealthy' | undefined> {
    const rows = (await m.query(
      `SELECT signal FROM server_intelligence_signals
       WHERE server_id = $1 AND signal IN ('credential_healthy', 'credential_unhealthy')
       ORDER BY occurred_at DESC, event_id DESC LIMIT 1`,
      [serverId],
    )) as { signal: 'credential_healthy' | 'credential_unhealthy' }[];
    return rows[0]?.signal;
  }

  async recentAnomalies(m: Manager, serverId: string, since: Date): Promise<AnomalyRow[]> {
    return (await m.query(
      `SELECT signal, last_hour, baseline_per_hour, note, detected_at FROM server_intelligence_anomalies
       WHERE server_id = $1 AND detected_at > $2 ORDER BY detected_at DESC LIMIT 20`,
      [serverId, since],
    )) as AnomalyRow[];
  }
}

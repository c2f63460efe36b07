// Every query of promotion tracks, each on the manager it is handed.
import { Injectable } from '@nestjs/common';
import type { StageApproval } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { preparedQuery } from '../prepared-statements';

export interface TrackRow {
  id: string;
  name: string;
  stages: string[];
  workflow_id: string | null;
  stage_workflows: Record<string, string>;
  stage_tiers: Record<string, string>;
  stage_approvals: Record<string, StageApproval>;
  description: string | null;
  owner: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  cursor_ts: string;
}

export type NewTrack = Omit<TrackRow, 'version' | 'created_at' | 'updated_at' | 'cursor_ts'>;

const COLUMNS = `id, name, stages, workflow_id, stage_workflows, stage_tiers, stage_approvals, description, owner,
  version, created_at, updated_at, created_at::text AS cursor_ts`;

@Injectable()
export class TrackRepository {
  async findById(m: Manager, id: string): Promise<TrackRow | undefined> {
    const rows = (await preparedQuery(m, `SELECT ${COLUMNS} FROM promotion_tracks WHERE id = $1`, [
      id,
    ])) as TrackRow[];
    return rows[0];
  }

  /**
   * Locks the track row for the rest of the transaction: every promotion write on a track goes through here first,
   * so activations, supersessions, blocks and rollbacks of one track never interleave.
   */
  async lock(m: Manager, id: string): Promise<TrackRow | undefined> {
    const rows = (await preparedQuery(m, `SELECT ${COLUMNS} FROM promotion_tracks WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as TrackRow[];
    return rows[0];
  }

  /** Locks the track of a promotion, found through the promotion in the same statement; false when it is unknown. */
  async lockOfPromotion(m: Manager, promotionId: string): Promise<boolean> {
    const rows = (await preparedQuery(
      m,
      `SELECT t.id FROM promotion_tracks t JOIN artifact_promotions p ON p.track_id = t.id
        WHERE p.id = $1 FOR UPDATE OF t`,
      [promotionId],
    )) as unknown[];
    return rows.length === 1;
  }

  /**
   * Locks the track of a governance run's promotion, found through the run in the same statement (a run moving locks
   * its promotion's track before it reads itself); false when the run has no promotion.
   */
  async lockOfRun(m: Manager, runId: string): Promise<boolean> {
    const rows = (await preparedQuery(
      m,
      `SELECT t.id FROM governance_runs r JOIN artifact_promotions p ON p.id = r.promotion_id
         JOIN promotion_tracks t ON t.id = p.track_id
        WHERE r.id = $1 FOR UPDATE OF t`,
      [runId],
    )) as unknown[];
    return rows.length === 1;
  }

  async list(
    m: Manager,
    f: { limit: number; after?: { createdAt: string; id: string }; owner?: string },
  ): Promise<TrackRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (f.after) {
      params.push(f.after.createdAt, f.after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.owner !== undefined) {
      params.push(f.owner);
      where.push(`owner = $${params.length}`);
    }
    params.push(f.limit);
    return (await preparedQuery(
      m,
      `SELECT ${COLUMNS} FROM promotion_tracks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as TrackRow[];
  }

  /** A taken name (any case) raises 23505. */
  async insert(m: Manager, t: NewTrack): Promise<TrackRow> {
    const rows = (await preparedQuery(
      m,
      `INSERT INTO promotion_tracks (id, name, stages, workflow_id, stage_workflows, stage_tiers, stage_approvals,
                                     description, owner)
       VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9) RETURNING ${COLUMNS}`,
      [
        t.id,
        t.name,
        JSON.stringify(t.stages),
        t.workflow_id,
        JSON.stringify(t.stage_workflows),
        JSON.stringify(t.stage_tiers),
        JSON.stringify(t.stage_approvals),
        t.description,
        t.owner,
      ],
    )) as TrackRow[];
    return rows[0];
  }
}

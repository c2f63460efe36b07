// Every query of build runs, plus the build-driven status of the projected server.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { BuildRun } from '@mcp-host/contracts';
import type { BuildRunEntity } from './build-run.entity';

export type BuildRunRow = BuildRunEntity & { started_at_key: string };

const COLUMNS = `id, server_id, status, platforms, source_kind, source_repository, source_branch, source_revision,
  dockerfile_path, registry_image, manifest_digest, artifact_run_id, stage, error_kind, error, requested_by,
  log_sequence, started_at, completed_at, heartbeat_at,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at_key`;

export function toBuildRun(r: BuildRunEntity): BuildRun {
  return {
    id: r.id,
    server_id: r.server_id,
    status: r.status as BuildRun['status'],
    platforms: r.platforms,
    artifact_run_id: r.artifact_run_id,
    source_kind: r.source_kind as BuildRun['source_kind'],
    source_repository: r.source_repository,
    source_branch: r.source_branch,
    source_revision: r.source_revision,
    registry_image: r.registry_image,
    manifest_digest: r.manifest_digest,
    stage: r.stage,
    error_kind: r.error_kind,
    error: r.error,
    requested_by: r.requested_by,
    started_at: new Date(r.started_at).toISOString(),
    completed_at: r.completed_at ? new Date(r.completed_at).toISOString() : null,
  };
}

export interface NewBuildRun {
  id: string;
  server_id: string;
  /** `running` when the runner takes the build at once (it always does today); `queued` for a failed start. */
  status: 'queued' | 'running' | 'failed';
  /** The stage the run starts in (`build` for a run that starts at once). */
  stage?: string | null;
  platforms: string[];
  source_kind: 'git' | 'archive';
  source_repository: string | null;
  source_branch: string | null;
  source_revision: string | null;
  dockerfile_path: string;
  registry_image: string | null;
  requested_by: string | null;
  /** The client's Idempotency-Key, unique per server. */
  idempotency_key: string | null;
}

@Injectable()
export class BuildRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, b: NewBuildRun): Promise<BuildRunRow> {
    const rows = await m.query<BuildRunRow[]>(
      `INSERT INTO build_runs (id, server_id, status, platforms, source_kind, source_repository, source_branch,
         source_revision, dockerfile_path, registry_image, requested_by, stage, idempotency_key)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING ${COLUMNS}`,
      [
        b.id,
        b.server_id,
        b.status,
        b.platforms,
        b.source_kind,
        b.source_repository,
        b.source_branch,
        b.source_revision,
        b.dockerfile_path,
        b.registry_image,
        b.requested_by,
        b.stage ?? null,
        b.idempotency_key,
      ],
    );
    return rows[0];
  }

  async findByIdempotencyKey(
    m: EntityManager,
    serverId: string,
    key: string,
  ): Promise<BuildRunRow | undefined> {
    const rows = await m.query<BuildRunRow[]>(
      `SELECT ${COLUMNS} FROM build_runs WHERE server_id = $1 AND idempotency_key = $2`,
      [serverId, key],
    );
    return rows[0];
  }

  async findById(id: string, m: EntityManager = this.dataSource.manager): Promise<BuildRunRow | undefined> {
    const rows = await m.query<BuildRunRow[]>(`SELECT ${COLUMNS} FROM build_runs WHERE id = $1`, [id]);
    return rows[0];
  }

  async listByServer(f: {
    serverId: string;
    limit: number;
    before?: { startedAt: string; id: string };
  }): Promise<BuildRunRow[]> {
    const params: unknown[] = [f.serverId];
    let where = 'server_id = $1';
    if (f.before) {
      params.push(f.before.startedAt, f.before.id);
      where += ' AND (started_at, id) < ($2::timestamptz, $3::uuid)';
    }
    params.push(f.limit);
    return this.dataSource.query<BuildRunRow[]>(
      `SELECT ${COLUMNS} FROM build_runs WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async setStage(id: string, stage: string): Promise<void> {
    // Only while the run is active: a late write must not relabel the stage a failure recorded.
    await this.dataSource.query(
      `UPDATE build_runs SET stage = $2, heartbeat_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, stage],
    );
  }

  async setRevision(id: string, revision: string | null, registryImage: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE build_runs SET source_revision = COALESCE($2, source_revision), registry_image = $3 WHERE id = $1`,
      [id, revision, registryImage],
    );
  }

  /** A queued run taking its slot: `running` in its build stage. */
  async markRunning(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE build_runs SET status = 'running', stage = 'build', heartbeat_at = now()
       WHERE id = $1 AND status = 'queued'`,
      [id],
    );
  }

  async heartbeat(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE build_runs SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'running')`,
      [ids],
    );
  }

  /** Moves a run to succeeded once; false when it was already finished (e.g. failed as interrupted). */
  async markSucceeded(
    m: EntityManager,
    id: string,
    f: { artifact_run_id: string | null; manifest_digest: string | null; registry_image: string },
  ): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `UPDATE build_runs SET status = 'succeeded', stage = NULL, artifact_run_id = $2, manifest_digest = $3,
         registry_image = $4, completed_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id, f.artifact_run_id, f.manifest_digest, f.registry_image],
    );
    return rows.length > 0;
  }

  /** Moves a run to failed once; false when it was already finished. */
  async markFailed(
    m: EntityManager,
    id: string,
    f: { stage: string; error_kind: string; error: string },
  ): Promise<BuildRunRow | undefined> {
    const rows = await m.query<BuildRunRow[]>(
      `UPDATE build_runs SET status = 'failed', stage = $2, error_kind = $3, error = $4, completed_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${COLUMNS}`,
      [id, f.stage, f.error_kind, f.error],
    );
    return rows[0];
  }

  /** Runs whose worker stopped reporting: a killed or hung replica. Locked so two replicas never both fail one. */
  async lockStale(m: EntityManager, staleAfterSeconds: number): Promise<BuildRunRow[]> {
    return m.query<BuildRunRow[]>(
      `SELECT ${COLUMNS} FROM build_runs
       WHERE status IN ('queued', 'running') AND heartbeat_at < now() - make_interval(secs => $1)
       ORDER BY started_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [staleAfterSeconds],
    );
  }
}

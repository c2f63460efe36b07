// Every query of the artifact ledger.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ArtifactPlatform, ArtifactRun } from '@mcp-host/contracts';

interface RunRow {
  id: string;
  server_id: string;
  build_id: string | null;
  source_repo: string;
  source_branch: string;
  source_revision: string | null;
  local_image: string;
  registry_image: string;
  manifest_tag: string | null;
  manifest_digest: string | null;
  started_at: Date;
  completed_at: Date;
  completed_at_key: string;
  multi_arch: boolean;
  auth_refresh_attempted: boolean;
  auth_refresh_succeeded: boolean;
  auth_rotation_attempted: boolean;
  auth_rotation_succeeded: boolean;
  credential_health_status: string;
  status: string;
}

type PlatformRow = ArtifactPlatform & { artifact_run_id: string };

export type ArtifactRunWithKey = ArtifactRun & { completed_at_key: string };

const RUN_COLUMNS = `id, server_id, build_id, source_repo, source_branch, source_revision, local_image, registry_image,
  manifest_tag, manifest_digest, started_at, completed_at, multi_arch, auth_refresh_attempted, auth_refresh_succeeded,
  auth_rotation_attempted, auth_rotation_succeeded, credential_health_status, status,
  to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS completed_at_key`;

@Injectable()
export class ArtifactRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts the run and its platforms; the caller's transaction also carries the outbox event. */
  async insert(m: EntityManager, run: ArtifactRun): Promise<void> {
    await m.query(
      `INSERT INTO build_artifact_runs (id, server_id, build_id, source_repo, source_branch, source_revision, local_image,
         registry_image, manifest_tag, manifest_digest, started_at, completed_at, multi_arch, auth_refresh_attempted,
         auth_refresh_succeeded, auth_rotation_attempted, auth_rotation_succeeded, credential_health_status, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
      [
        run.id,
        run.server_id,
        run.build_id,
        run.source_repo,
        run.source_branch,
        run.source_revision,
        run.local_image,
        run.registry_image,
        run.manifest_tag,
        run.manifest_digest,
        run.started_at,
        run.completed_at,
        run.multi_arch,
        run.auth_refresh_attempted,
        run.auth_refresh_succeeded,
        run.auth_rotation_attempted,
        run.auth_rotation_succeeded,
        run.credential_health_status,
        run.status,
      ],
    );
    if (run.platforms.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    for (const p of run.platforms) {
      const n = params.length;
      values.push(
        `($${n + 1},$${n + 2},$${n + 3},$${n + 4},$${n + 5},$${n + 6},$${n + 7},$${n + 8},$${n + 9})`,
      );
      params.push(
        run.id,
        p.platform,
        p.remote_image,
        p.digest,
        p.auth_refresh_attempted,
        p.auth_refresh_succeeded,
        p.auth_rotation_attempted,
        p.auth_rotation_succeeded,
        p.credential_health_status,
      );
    }
    await m.query(
      `INSERT INTO build_artifact_platforms (artifact_run_id, platform, remote_image, digest, auth_refresh_attempted,
         auth_refresh_succeeded, auth_rotation_attempted, auth_rotation_succeeded, credential_health_status)
       VALUES ${values.join(', ')}`,
      params,
    );
  }

  async findById(id: string): Promise<ArtifactRun | undefined> {
    const rows = await this.dataSource.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM build_artifact_runs WHERE id = $1`,
      [id],
    );
    if (rows.length === 0) return undefined;
    return (await this.withPlatforms(rows))[0];
  }

  /** Newest first by completion; `before` is the last row of the previous page. */
  async listByServer(f: {
    serverId: string;
    limit: number;
    before?: { completedAt: string; id: string };
  }): Promise<ArtifactRunWithKey[]> {
    const params: unknown[] = [f.serverId];
    let where = 'server_id = $1';
    if (f.before) {
      params.push(f.before.completedAt, f.before.id);
      where += ' AND (completed_at, id) < ($2::timestamptz, $3::uuid)';
    }
    params.push(f.limit);
    const rows = await this.dataSource.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM build_artifact_runs WHERE ${where}
       ORDER BY completed_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return this.withPlatforms(rows);
  }

  private async withPlatforms(rows: RunRow[]): Promise<ArtifactRunWithKey[]> {
    const platforms = await this.dataSource.query<PlatformRow[]>(
      `SELECT artifact_run_id, platform, remote_image, digest, auth_refresh_attempted, auth_refresh_succeeded,
         auth_rotation_attempted, auth_rotation_succeeded, credential_health_status
       FROM build_artifact_platforms WHERE artifact_run_id = ANY($1::uuid[]) ORDER BY platform`,
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      id: r.id,
      server_id: r.server_id,
      build_id: r.build_id,
      source_repo: r.source_repo,
      source_branch: r.source_branch,
      source_revision: r.source_revision,
      local_image: r.local_image,
      registry_image: r.registry_image,
      manifest_tag: r.manifest_tag,
      manifest_digest: r.manifest_digest,
      started_at: new Date(r.started_at).toISOString(),
      completed_at: new Date(r.completed_at).toISOString(),
      multi_arch: r.multi_arch,
      auth_refresh_attempted: r.auth_refresh_attempted,
      auth_refresh_succeeded: r.auth_refresh_succeeded,
      auth_rotation_attempted: r.auth_rotation_attempted,
      auth_rotation_succeeded: r.auth_rotation_succeeded,
      credential_health_status: r.credential_health_status,
      status: r.status,
      completed_at_key: r.completed_at_key,
      platforms: platforms
        .filter((p) => p.artifact_run_id === r.id)
        .map(({ artifact_run_id: _run, ...p }) => p),
    }));
  }
}

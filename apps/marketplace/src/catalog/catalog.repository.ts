// Every query of the catalog: servers from the projection, left-joined with their artifact runs.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ArtifactPlatform, ArtifactRun } from '@mcp-host/contracts';
import { deriveHealth } from './derive-health';

/** Where the previous page ended: a server, and the artifact run within it (null for a server without builds). */
export interface CatalogKey {
  serverName: string;
  serverId: string;
  artifact: { completedAt: string; id: string } | null;
}

export interface CatalogFilter {
  limit: number;
  after?: CatalogKey;
  serverType?: string;
  status?: string;
  tier?: string;
  q?: string;
}

export interface CatalogRow {
  server_id: string;
  server_name: string;
  server_type: string;
  server_updated_at: Date;
  artifact_run_id: string | null;
  status: string | null;
  source_repo: string | null;
  source_branch: string | null;
  source_revision: string | null;
  registry_image: string | null;
  manifest_tag: string | null;
  manifest_digest: string | null;
  multi_arch: boolean | null;
  credential_health_status: string | null;
  platforms: ArtifactPlatform[] | null;
  health_issues: string[] | null;
  tier: string;
  completed_at: Date | null;
  /** completed_at to the microsecond, as text, for the keyset cursor. */
  completed_at_key: string | null;
  artifact_updated_at: Date | null;
}

const TIER = `COALESCE(a.health_grade, 'watchlist') || ':' || s.server_type`;

const SELECT_COLUMNS = `SELECT s.id AS server_id, s.name AS server_name, s.server_type, s.updated_at AS server_updated_at,
              a.id AS artifact_run_id, a.status, a.source_repo, a.source_branch, a.source_revision, a.registry_image,
              a.manifest_tag, a.manifest_digest, a.multi_arch, a.credential_health_status, a.platforms,
              a.health_issues, ${TIER} AS tier, a.completed_at,
              to_char(a.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS completed_at_key,
              a.updated_at AS artifact_updated_at`;

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

@Injectable()
export class CatalogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(f: CatalogFilter): Promise<CatalogRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (f.after) {
      const name = p(f.after.serverName);
      const id = p(f.after.serverId);
      const laterServer = `(s.name, s.id) > (${name}, ${id}::uuid)`;
      // Within one server the runs go newest first, so the rest of that server is the older runs.
      where.push(
        f.after.artifact === null
          ? laterServer
          : `(${laterServer} OR ((s.name, s.id) = (${name}, ${id}::uuid)
               AND (a.completed_at, a.id) < (${p(f.after.artifact.completedAt)}::timestamptz, ${p(f.after.artifact.id)}::uuid)))`,
      );
    }
    if (f.serverType) where.push(`s.server_type = ${p(f.serverType)}`);
    if (f.status) where.push(`a.status = ${p(f.status)}`);
    if (f.tier) where.push(`lower(${TIER}) = lower(${p(f.tier)})`);
    if (f.q) {
      const like = p(likePattern(f.q));
      // The IN list is answered from the two trigram indexes, so the join only visits matching servers.
      where.push(`s.id IN (SELECT id FROM servers WHERE name ILIKE ${like}
                           UNION SELECT server_id FROM catalog_artifacts WHERE search_text ILIKE ${like})`);
      where.push(`(s.name ILIKE ${like} OR a.search_text ILIKE ${like})`);
    }
    const limit = p(f.limit);
    return this.dataSource.query<CatalogRow[]>(
      `${SELECT_COLUMNS}
         FROM servers s
         LEFT JOIN catalog_artifacts a ON a.server_id = s.id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.name, s.id, a.completed_at DESC NULLS FIRST, a.id DESC
        LIMIT ${limit}`,
      params,
    );
  }

  /** One artifact run of a server that is still in the projection. */
  async findByArtifactId(id: string): Promise<CatalogRow | undefined> {
    const rows = await this.dataSource.query<CatalogRow[]>(
      `${SELECT_COLUMNS} FROM catalog_artifacts a JOIN servers s ON s.id = a.server_id WHERE a.id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Stores (or replaces) one artifact run with its derived health; the artifact events of the ledger land here. */
  async upsertArtifact(m: EntityManager, run: ArtifactRun): Promise<void> {
    const health = deriveHealth(run);
    await m.query(
      `INSERT INTO catalog_artifacts (
         id, server_id, build_id, source_repo, source_branch, source_revision, local_image, registry_image,
         manifest_tag, manifest_digest, started_at, completed_at, multi_arch, auth_refresh_attempted,
         auth_refresh_succeeded, auth_rotation_attempted, auth_rotation_succeeded, credential_health_status, status,
         platforms, health_grade, health_issues, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::jsonb, $21,
               $22::jsonb, now())
       ON CONFLICT (id) DO UPDATE SET
         server_id = EXCLUDED.server_id, build_id = EXCLUDED.build_id, source_repo = EXCLUDED.source_repo,
         source_branch = EXCLUDED.source_branch, source_revision = EXCLUDED.source_revision,
         local_image = EXCLUDED.local_image, registry_image = EXCLUDED.registry_image,
         manifest_tag = EXCLUDED.manifest_tag, manifest_digest = EXCLUDED.manifest_digest,
         started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at, multi_arch = EXCLUDED.multi_arch,
         auth_refresh_attempted = EXCLUDED.auth_refresh_attempted,
         auth_refresh_succeeded = EXCLUDED.auth_refresh_succeeded,
         auth_rotation_attempted = EXCLUDED.auth_rotation_attempted,
         auth_rotation_succeeded = EXCLUDED.auth_rotation_succeeded,
         credential_health_status = EXCLUDED.credential_health_status, status = EXCLUDED.status,
         platforms = EXCLUDED.platforms, health_grade = EXCLUDED.health_grade,
         health_issues = EXCLUDED.health_issues, updated_at = now()`,
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
        JSON.stringify(run.platforms),
        health.grade,
        JSON.stringify(health.issues),
      ],
    );
  }
}

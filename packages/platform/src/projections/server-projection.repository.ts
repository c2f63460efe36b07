// Every query of the server projection: version-guarded upserts and tombstoning deletes.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ServerSnapshot } from '@mcp-host/contracts';
import type { ProjectedServerEntity } from './server-projection.entity';

const COLUMNS =
  'id, name, server_type, source_repository, source_branch, dockerfile_path, tier, owner, status, version, created_at, updated_at';

@Injectable()
export class ServerProjectionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findById(
    id: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<ProjectedServerEntity | undefined> {
    const rows = await m.query<ProjectedServerEntity[]>(`SELECT ${COLUMNS} FROM servers WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * Inserts or replaces the server unless it is tombstoned or the stored version is the same or newer.
   * Returns whether the row changed.
   */
  async upsertIfNewer(m: EntityManager, s: ServerSnapshot): Promise<boolean> {
    await this.lock(m, s.id);
    const rows = await m.query<unknown[]>(
      `INSERT INTO servers (${COLUMNS})
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz
       WHERE NOT EXISTS (SELECT 1 FROM server_tombstones WHERE id = $1)
       ON CONFLICT (id) DO UPDATE SET
         name = EXCLUDED.name,
         server_type = EXCLUDED.server_type,
         source_repository = EXCLUDED.source_repository,
         source_branch = EXCLUDED.source_branch,
         dockerfile_path = EXCLUDED.dockerfile_path,
         tier = EXCLUDED.tier,
         owner = EXCLUDED.owner,
         status = EXCLUDED.status,
         version = EXCLUDED.version,
         created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at
       WHERE servers.version < EXCLUDED.version
       RETURNING id`,
      [
        s.id,
        s.name,
        s.server_type,
        s.source_repository,
        s.source_branch,
        s.dockerfile_path,
        s.tier,
        s.owner,
        s.status,
        s.version,
        s.created_at,
        s.updated_at,
      ],
    );
    return rows.length > 0;
  }

  /** Records the tombstone (keeping the highest version seen) and drops the live row. */
  async tombstone(
    m: EntityManager,
    d: { id: string; name: string; version: number; deleted_at: string },
  ): Promise<void> {
    await this.lock(m, d.id);
    await m.query(
      `INSERT INTO server_tombstones (id, name, version, deleted_at) VALUES ($1, $2, $3, $4::timestamptz)
       ON CONFLICT (id) DO UPDATE SET version = GREATEST(server_tombstones.version, EXCLUDED.version)`,
      [d.id, d.name, d.version, d.deleted_at],
    );
    await m.query('DELETE FROM servers WHERE id = $1', [d.id]);
  }

  /**
   * Serialises writers of one server id until commit. One consumer owns a partition, but during a rebalance two
   * members can briefly apply events of the same key; without this an upsert could miss a concurrent tombstone.
   */
  private async lock(m: EntityManager, id: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.servers'), hashtext($1))`, [
      id,
    ]);
  }
}

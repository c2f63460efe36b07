// Every query on api_tokens; each runs on the manager it is handed (a transaction's, or the pool's for a read).
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';
import type { ApiTokenRow } from './token.entity';

const COLUMNS = 'id, name, owner, role, token_hash, prefix, expires_at, last_used_at, revoked_at, created_at';

export type NewApiToken = Pick<
  ApiTokenRow,
  'id' | 'name' | 'owner' | 'role' | 'token_hash' | 'prefix' | 'expires_at'
>;

@Injectable()
export class TokenRepository {
  /** Takes a lock that every gateway replica shares, until the end of `m`'s transaction. */
  async advisoryLock(m: Manager, key: string): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  async findByHash(m: Manager, hash: string): Promise<ApiTokenRow | undefined> {
    const rows = await m.query<ApiTokenRow[]>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = $1`, [
      hash,
    ]);
    return rows[0];
  }

  async hasActiveAdmin(m: Manager): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
    );
    return rows.length > 0;
  }

  async insert(m: Manager, t: NewApiToken): Promise<ApiTokenRow> {
    const rows = await m.query<ApiTokenRow[]>(
      `INSERT INTO api_tokens (id, name, owner, role, token_hash, prefix, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [t.id, t.name, t.owner, t.role, t.token_hash, t.prefix, t.expires_at],
    );
    return rows[0];
  }

  /** Tokens in keyset order; `cursor_ts` keeps the microseconds a JavaScript Date would drop. */
  async list(
    m: Manager,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<(ApiTokenRow & { cursor_ts: string })[]> {
    const params: unknown[] = [];
    let where = '';
    if (after) {
      params.push(after.createdAt, after.id);
      where = 'WHERE (created_at, id) > ($1::timestamptz, $2::uuid)';
    }
    params.push(limit);
    return await m.query<(ApiTokenRow & { cursor_ts: string })[]>(
      `SELECT ${COLUMNS}, created_at::text AS cursor_ts FROM api_tokens ${where} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
  }

  /** Sets revoked_at once; undefined when no such token exists. */
  async revoke(m: Manager, id: string): Promise<ApiTokenRow | undefined> {
    const rows = (await m.query(
      `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    )) as [ApiTokenRow[], number];
    return rows[0][0];
  }

  /** The ids among `ids` whose tokens are neither revoked nor expired. */
  async activeIds(m: Manager, ids: readonly string[]): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(
      `SELECT id FROM api_tokens
       WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** Records use at most once a minute per token, so a busy token does not write on every request. */
  async touch(m: Manager, id: string): Promise<void> {
    await m.query(
      `UPDATE api_tokens SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}

// The grant store: creates, reads, lists and deletes MCP tool grants, publishing each change for the gateway.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CreateGrantBody, Grant, GrantListQuery } from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { GrantErrorCode, GrantException } from './grant.exception';
import { GrantRepository, type GrantRow } from './grant.repository';

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    server_id: row.server_id,
    subject: row.subject,
    allow_tools: row.allow_tools,
    deny_tools: row.deny_tools,
    enabled: row.enabled,
    version: row.version,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

@Injectable()
export class GrantService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: GrantRepository,
    private readonly outbox: OutboxService,
  ) {}

  async create(body: CreateGrantBody, caller: string): Promise<Grant> {
    return this.tx.run(async (m) => {
      const row = await this.repo.insert(m, {
        id: randomUUID(),
        server_id: body.server_id,
        subject: body.subject,
        allow_tools: [...new Set(body.allow_tools)],
        deny_tools: [...new Set(body.deny_tools)],
        created_by: caller,
      });
      const grant = toGrant(row);
      await this.outbox.publish(m, 'grant.created', grant);
      return grant;
    });
  }

  async get(id: string): Promise<Grant> {
    const row = await this.tx.read((m) => this.repo.findById(m, id));
    if (!row) throw new GrantException(GrantErrorCode.NOT_FOUND, `No grant with id ${id}.`);
    return toGrant(row);
  }

  async list(q: GrantListQuery): Promise<{ items: Grant[]; next_cursor: string | null }> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new GrantException(GrantErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, { limit: q.limit + 1, after, serverId: q.server_id, subject: q.subject }),
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toGrant),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }

  /**
   * Enables or disables a grant at `version` and publishes grant.enabled / grant.disabled with the whole grant.
   * Asking for the state the grant is already in changes nothing and publishes nothing.
   */
  async setEnabled(id: string, version: number, enabled: boolean): Promise<Grant & { enabled: boolean }> {
    return this.tx.run(async (m) => {
      const current = await this.repo.findById(m, id);
      if (!current) throw new GrantException(GrantErrorCode.NOT_FOUND, `No grant with id ${id}.`);
      if (current.version !== version) throw await this.staleOrMissing(m, id, version);
      if (current.enabled === enabled) return { ...toGrant(current), enabled };
      const row = await this.repo.setEnabledIfVersion(m, id, version, enabled);
      if (!row) throw await this.staleOrMissing(m, id, version);
      const grant = { ...toGrant(row), enabled: row.enabled };
      await this.outbox.publish(m, enabled ? 'grant.enabled' : 'grant.disabled', grant);
      return grant;
    });
  }

  async delete(id: string, version: number, caller: string): Promise<void> {
    await this.tx.run(async (m) => {
      const row = await this.repo.deleteIfVersion(m, id, version);
      if (!row) throw await this.staleOrMissing(m, id, version);
      await this.outbox.publish(m, 'grant.deleted', {
        id: row.id,
        server_id: row.server_id,
        version: row.version,
        deleted_by: caller,
        deleted_at: new Date().toISOString(),
      });
    });
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleOrMissing(m: Manager, id: string, version: number): Promise<GrantException> {
    const current = await this.repo.findById(m, id);
    if (!current) return new GrantException(GrantErrorCode.NOT_FOUND, `No grant with id ${id}.`);
    return new GrantException(
      GrantErrorCode.VERSION_CONFLICT,
      `Grant ${id} is at version ${current.version}, not ${version}; reload it and try again.`,
      { current_version: current.version },
    );
  }
}

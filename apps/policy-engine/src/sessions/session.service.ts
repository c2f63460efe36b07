// The agent session store: opens, reads, lists, revokes and restores agent sessions, publishing each change for the
// gateway, which refuses a revoked or expired session at its /mcp/:server door.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AgentSession, AgentSessionListQuery, CreateAgentSessionBody } from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { SessionErrorCode, SessionException } from './session.exception';
import { SessionRepository, type SessionRow } from './session.repository';

export function toAgentSession(row: SessionRow): AgentSession {
  return {
    id: row.id,
    agent_id: row.agent_id,
    subject: row.subject,
    server_id: row.server_id,
    trust_level: row.trust_level,
    expires_at: row.expires_at.toISOString(),
    revoked: row.revoked,
    revoked_at: row.revoked_at ? row.revoked_at.toISOString() : null,
    version: row.version,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

@Injectable()
export class SessionService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: SessionRepository,
    private readonly outbox: OutboxService,
  ) {}

  async create(body: CreateAgentSessionBody, caller: string): Promise<AgentSession> {
    return this.tx.run(async (m) => {
      const row = await this.repo.insert(m, {
        id: randomUUID(),
        agent_id: body.agent_id,
        subject: body.subject,
        server_id: body.server_id ?? null,
        trust_level: body.trust_level,
        ttlSeconds: body.ttl_seconds,
        created_by: caller,
      });
      const session = toAgentSession(row);
      await this.outbox.publish(m, 'agent.session.created', session);
      return session;
    });
  }

  async get(id: string): Promise<AgentSession> {
    const row = await this.tx.read((m) => this.repo.findById(m, id));
    if (!row) throw new SessionException(SessionErrorCode.NOT_FOUND, `No agent session with id ${id}.`);
    return toAgentSession(row);
  }

  async list(q: AgentSessionListQuery): Promise<{ items: AgentSession[]; next_cursor: string | null }> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new SessionException(
          SessionErrorCode.INVALID_CURSOR,
          'The cursor is not one this API returned.',
        );
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after,
        agentId: q.agent_id,
        subject: q.subject,
        serverId: q.server_id,
        state: q.state,
      }),
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toAgentSession),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }

  /**
   * Revokes (or restores) a session at `version` and publishes agent.session.revoked (or .unrevoked) with the whole
   * session. Asking for the state the session is already in changes nothing and publishes nothing.
   */
  async setRevoked(id: string, version: number, revoked: boolean): Promise<AgentSession> {
    return this.tx.run(async (m) => {
      const current = await this.repo.findById(m, id);
      if (!current) throw new SessionException(SessionErrorCode.NOT_FOUND, `No agent session with id ${id}.`);
      if (current.version !== version) throw this.stale(id, current.version, version);
      if (current.revoked === revoked) return toAgentSession(current);
      const row = await this.repo.setRevokedIfVersion(m, id, version, revoked);
      if (!row) throw await this.staleOrMissing(m, id, version);
      const session = toAgentSession(row);
      await this.outbox.publish(m, revoked ? 'agent.session.revoked' : 'agent.session.unrevoked', session);
      return session;
    });
  }

  private stale(id: string, current: number, asked: number): SessionException {
    return new SessionException(
      SessionErrorCode.VERSION_CONFLICT,
      `Agent session ${id} is at version ${current}, not ${asked}; reload it and try again.`,
      { current_version: current },
    );
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleOrMissing(m: Manager, id: string, version: number): Promise<SessionException> {
    const current = await this.repo.findById(m, id);
    if (!current) return new SessionException(SessionErrorCode.NOT_FOUND, `No agent session with id ${id}.`);
    return this.stale(id, current.version, version);
  }
}

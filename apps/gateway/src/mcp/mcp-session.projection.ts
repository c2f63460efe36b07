// Agent sessions at the /mcp/:server door. agent.session.* events are projected into mcp_agent_sessions (a newer
// version replaces an older one, a late or redelivered one changes nothing). A caller presents its agent session in
// the Mcp-Host-Agent-Session header; the door lets it through only when the session is known, bound to the caller's
// principal, meant for this server (or any), unexpired and not revoked. Answers are cached per replica for at most
// MAX_AGE_MS, and an open stream is re-checked every WATCH_INTERVAL_MS, so a revocation ends access within seconds on
// every replica.
import { Injectable } from '@nestjs/common';
import { uuidSchema, type AgentSession, type EventPayload, type TrustLevel } from '@mcp-host/contracts';
import {
  ApiException,
  EventHandler,
  Transactions,
  type EventContext,
  type Manager,
} from '@mcp-host/platform';
import type { Caller } from '../tokens/token.entity';
import { ShortLivedCache } from './short-lived-cache';

/** The request header that carries the caller's agent session id. */
export const AGENT_SESSION_HEADER = 'mcp-host-agent-session';

const MAX_AGE_MS = 1_000;
const WATCH_INTERVAL_MS = 1_000;

export interface McpAgentSessionRow {
  id: string;
  agent_id: string;
  subject: string;
  server_id: string | null;
  trust_level: TrustLevel;
  expires_at: Date;
  revoked: boolean;
  version: number;
}

@Injectable()
export class McpAgentSessionRepository {
  /** Applies a session's state unless a newer version of it is already recorded. */
  async upsertIfNewer(m: Manager, s: AgentSession): Promise<void> {
    await m.query(
      `INSERT INTO mcp_agent_sessions (id, agent_id, subject, server_id, trust_level, expires_at, revoked, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE
         SET agent_id = EXCLUDED.agent_id, subject = EXCLUDED.subject, server_id = EXCLUDED.server_id,
             trust_level = EXCLUDED.trust_level, expires_at = EXCLUDED.expires_at, revoked = EXCLUDED.revoked,
             version = EXCLUDED.version
         WHERE mcp_agent_sessions.version < EXCLUDED.version`,
      [s.id, s.agent_id, s.subject, s.server_id, s.trust_level, s.expires_at, s.revoked, s.version],
    );
  }

  async find(m: Manager, id: string): Promise<McpAgentSessionRow | undefined> {
    const rows = (await m.query(
      `SELECT id, agent_id, subject, server_id, trust_level, expires_at, revoked, version
       FROM mcp_agent_sessions WHERE id = $1`,
      [id],
    )) as McpAgentSessionRow[];
    return rows[0];
  }
}

/** The agent session a request was let through with. */
export interface AgentSessionGrant {
  id: string;
  agentId: string;
  trustLevel: TrustLevel;
}

function refused(code: string, message: string): ApiException {
  return new ApiException(403, code, message);
}

@Injectable()
export class McpAgentSessions {
  private readonly cache = new ShortLivedCache<McpAgentSessionRow | undefined>(MAX_AGE_MS);

  constructor(
    private readonly tx: Transactions,
    private readonly repo: McpAgentSessionRepository,
  ) {}

  private lookup(id: string): Promise<McpAgentSessionRow | undefined> {
    return this.cache.get(id, () => this.tx.read((m) => this.repo.find(m, id)));
  }

  invalidate(id: string): void {
    this.cache.invalidate(id);
  }

  /**
   * The agent session named by the request's header, checked for this caller and server; undefined when the request
   * names none. A session that is unknown or bound to another principal is refused alike, so no id is confirmed.
   */
  async check(
    header: string | string[] | undefined,
    caller: Caller,
    serverId: string,
  ): Promise<AgentSessionGrant | undefined> {
    if (header === undefined) return undefined;
    const value = Array.isArray(header) ? header[0] : header;
    const id = uuidSchema.safeParse(value);
    const row = id.success ? await this.lookup(id.data) : undefined;
    // Bound to this token, or to the caller's subject (the token's owner or the OIDC subject), as grants are.
    const bound =
      row !== undefined &&
      (row.subject === `subject:${caller.subject}` ||
        (caller.apiToken && row.subject === `token:${caller.tokenId}`));
    if (!row || !bound) {
      throw refused('AGENT_SESSION_UNKNOWN', 'No such agent session for this caller.');
    }
    if (row.revoked) throw refused('AGENT_SESSION_REVOKED', `Agent session ${row.id} is revoked.`);
    if (new Date(row.expires_at).getTime() <= Date.now()) {
      throw refused(
        'AGENT_SESSION_EXPIRED',
        `Agent session ${row.id} expired at ${new Date(row.expires_at).toISOString()}.`,
      );
    }
    if (row.server_id !== null && row.server_id !== serverId) {
      throw refused('AGENT_SESSION_WRONG_SERVER', `Agent session ${row.id} is not for server ${serverId}.`);
    }
    return { id: row.id, agentId: row.agent_id, trustLevel: row.trust_level };
  }

  /**
   * Re-checks the session while a response streams and calls `end` once it is revoked, expired or gone; the returned
   * function stops watching.
   */
  watch(session: AgentSessionGrant, caller: Caller, serverId: string, end: () => void): () => void {
    const timer = setInterval(() => {
      this.check(session.id, caller, serverId).catch(() => {
        clearInterval(timer);
        end();
      });
    }, WATCH_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}

@Injectable()
export class McpAgentSessionProjection {
  constructor(
    private readonly repo: McpAgentSessionRepository,
    private readonly sessions: McpAgentSessions,
  ) {}

  private async apply(p: AgentSession, ctx: EventContext): Promise<void> {
    await this.repo.upsertIfNewer(ctx.manager, p);
    this.sessions.invalidate(p.id);
  }

  @EventHandler('agent.session.created')
  onCreated(p: EventPayload<'agent.session.created'>, ctx: EventContext): Promise<void> {
    return this.apply(p, ctx);
  }

  @EventHandler('agent.session.revoked')
  onRevoked(p: EventPayload<'agent.session.revoked'>, ctx: EventContext): Promise<void> {
    return this.apply(p, ctx);
  }

  @EventHandler('agent.session.unrevoked')
  onUnrevoked(p: EventPayload<'agent.session.unrevoked'>, ctx: EventContext): Promise<void> {
    return this.apply(p, ctx);
  }
}

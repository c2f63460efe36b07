// Agent sessions and grant enable/disable: REST bodies of /api/sessions and /api/grants/:id/enable|disable, and the
// events the gateway projects to enforce them (`agent.session.*`, `grant.enabled`, `grant.disabled`).
import { z } from 'zod';
import { grantSchema } from './api/grants.schema';
import { cursorQuerySchema, limitQuerySchema } from './api/pagination.schema';
import { timestampSchema, uuidSchema } from './common.schema';
import { defineEvent } from './event-definition';
import { queryText, text, versionSchema } from './input.schema';
import { TOPICS } from './topics';

/** How far an agent session is trusted; the gateway treats it as the session's ceiling. */
export const TRUST_LEVELS = ['low', 'medium', 'high'] as const;
export const trustLevelSchema = z.enum(TRUST_LEVELS);
export type TrustLevel = z.infer<typeof trustLevelSchema>;

/** Longest agent session TTL: 30 days. */
export const AGENT_SESSION_MAX_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The principal an agent session is bound to: `token:<token id>` or `subject:<token owner or OIDC subject>`.
 * Only a caller that is this principal may present the session.
 */
export const agentSessionSubjectSchema = text('label').refine((s) => /^(token|subject):.+$/.test(s), {
  message: 'must be token:<id> or subject:<subject>',
});

export const createAgentSessionBodySchema = z
  .object({
    agent_id: text('name'),
    subject: agentSessionSubjectSchema,
    /** The one MCP server the session may reach; absent: any server its grants allow. */
    server_id: uuidSchema.optional(),
    trust_level: trustLevelSchema.default('low'),
    ttl_seconds: z.int().min(1).max(AGENT_SESSION_MAX_TTL_SECONDS).default(3600),
  })
  .strict();
export type CreateAgentSessionBody = z.infer<typeof createAgentSessionBodySchema>;

export const agentSessionSchema = z.object({
  id: uuidSchema,
  agent_id: z.string(),
  subject: z.string(),
  server_id: uuidSchema.nullable(),
  trust_level: trustLevelSchema,
  expires_at: timestampSchema,
  revoked: z.boolean(),
  revoked_at: timestampSchema.nullable(),
  version: z.int().min(1),
  created_by: z.string(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type AgentSession = z.infer<typeof agentSessionSchema>;

/** `active`: neither revoked nor expired; `revoked`; `expired` (and not revoked). */
export const AGENT_SESSION_STATES = ['active', 'revoked', 'expired'] as const;

export const agentSessionListQuerySchema = z
  .object({
    agent_id: queryText('name').optional(),
    subject: queryText('label').optional(),
    server_id: uuidSchema.optional(),
    state: z.enum(AGENT_SESSION_STATES).optional(),
    limit: limitQuerySchema,
    cursor: cursorQuerySchema,
  })
  .strict();
export type AgentSessionListQuery = z.infer<typeof agentSessionListQuerySchema>;

export const agentSessionListResponseSchema = z.object({
  items: z.array(agentSessionSchema),
  next_cursor: z.string().nullable(),
});

/** Body of the version-guarded toggles: revoke/unrevoke a session, enable/disable a grant. */
export const versionedActionBodySchema = z.object({ version: versionSchema }).strict();
export type VersionedActionBody = z.infer<typeof versionedActionBodySchema>;

/** A grant as enable/disable publish it: the whole grant, with its new version and state. */
export const grantToggledSchema = grantSchema.extend({ enabled: z.boolean() });

export const grantEnabledEvent = defineEvent({
  type: 'grant.enabled',
  topic: TOPICS.accessGrants.name,
  schema: grantToggledSchema,
  key: (p) => p.server_id,
  description: 'A disabled MCP tool grant was enabled again; the gateway applies it.',
});

export const grantDisabledEvent = defineEvent({
  type: 'grant.disabled',
  topic: TOPICS.accessGrants.name,
  schema: grantToggledSchema,
  key: (p) => p.server_id,
  description: 'An MCP tool grant was disabled; the gateway stops applying it until it is enabled.',
});

export const agentSessionCreatedEvent = defineEvent({
  type: 'agent.session.created',
  topic: TOPICS.accessSessions.name,
  schema: agentSessionSchema,
  key: (p) => p.id,
  description: 'An agent session was opened for a principal, with its trust level and expiry.',
});

export const agentSessionRevokedEvent = defineEvent({
  type: 'agent.session.revoked',
  topic: TOPICS.accessSessions.name,
  schema: agentSessionSchema,
  key: (p) => p.id,
  description: 'An agent session was revoked; the gateway refuses it from then on.',
});

export const agentSessionUnrevokedEvent = defineEvent({
  type: 'agent.session.unrevoked',
  topic: TOPICS.accessSessions.name,
  schema: agentSessionSchema,
  key: (p) => p.id,
  description: 'A revoked agent session was restored (until its expiry).',
});

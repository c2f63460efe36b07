// REST bodies of the gateway's audit trail of MCP tool calls: every tools/call through /mcp/:server, allowed or
// denied, as published on `mcp.tool.called`. Arguments are only ever a SHA-256; they are never stored.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from './common.schema';
import { queryText } from './input.schema';
import { cursorQuerySchema, limitQuerySchema, pageSchema } from './api/pagination.schema';

export const AUDIT_DECISIONS = ['allow', 'deny'] as const;
export const AUDIT_RESULT_STATUSES = ['ok', 'error', 'denied', 'upstream_error'] as const;

/** `GET /api/audit`: newest first; every filter is optional and they combine with AND. */
export const auditListQuerySchema = z.object({
  server_id: uuidSchema.optional(),
  /** The caller's token owner or OIDC subject, exactly. */
  subject: queryText('label').optional(),
  tool: queryText('label').optional(),
  decision: z.enum(AUDIT_DECISIONS).optional(),
  result_status: z.enum(AUDIT_RESULT_STATUSES).optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

export const auditEntrySchema = z.object({
  /** The call's id (the event's `call_id`). */
  id: uuidSchema,
  server_id: uuidSchema,
  tool: z.string(),
  subject: z.string(),
  /** The API token id, or null for an OIDC caller. */
  token_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  /** The MCP session (MCP-Session-Id), if the call was made in one. */
  session_id: z.string().nullable(),
  agent_session_id: z.string().nullable(),
  decision: z.enum(AUDIT_DECISIONS),
  /** The rule that decided: `grant:<id>:allow:<tool>`, `grant:<id>:deny:<tool>`, `drift:<tool>` or `default:deny`. */
  rule: z.string(),
  result_status: z.enum(AUDIT_RESULT_STATUSES),
  /** HTTP status of the server's answer; null when denied or when the server did not answer. */
  upstream_status: z.number().int().nullable(),
  latency_ms: z.number(),
  arguments_sha256: z.string(),
  called_at: timestampSchema,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListResponseSchema = pageSchema(auditEntrySchema);
export type AuditListResponse = z.infer<typeof auditListResponseSchema>;

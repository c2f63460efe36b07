// `mcp.tool.called`: one tools/call through the gateway's MCP door, allowed or denied; arguments are hashed, never kept.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const mcpToolCalledSchema = z.object({
  call_id: uuidSchema,
  server_id: uuidSchema,
  tool: z.string(),
  /** The caller's token owner or OIDC subject. */
  subject: z.string(),
  /** The API token id, or null for an OIDC caller. */
  token_id: z.string().nullable(),
  session_id: z.string().nullable(),
  decision: z.enum(['allow', 'deny']),
  /** The rule that decided, e.g. `grant:<id>:allow:<tool>` or `default:deny`. */
  rule: z.string(),
  /** SHA-256 (hex) of the call's arguments as sent. */
  arguments_sha256: z.string(),
  /** HTTP status of the server's answer; null when the call was denied or the server did not answer. */
  upstream_status: z.int().nullable(),
  /** `denied`, `forwarded` (the answer streams to the caller) or `upstream_error`. */
  result: z.enum(['denied', 'forwarded', 'upstream_error']),
  /** Gateway time from the request to the server's answer headers (or to the denial). */
  latency_ms: z.number().min(0),
  called_at: timestampSchema,
  /**
   * How the call ended: `ok` (the server answered with a result), `error` (a JSON-RPC error or a result with
   * `isError`), `denied` (refused by the gateway) or `upstream_error` (no answer, an HTTP error, or a stream that
   * ended before the answer). Absent on events published before it existed.
   */
  result_status: z.enum(['ok', 'error', 'denied', 'upstream_error']).optional(),
  /** The agent the call was made for, when the caller acts in an agent session; null otherwise. */
  agent_id: z.string().nullable().optional(),
  /** The agent session the call was made in, if any (the MCP session is `session_id`). */
  agent_session_id: z.string().nullable().optional(),
});

export const mcpToolCalledEvent = defineEvent({
  type: 'mcp.tool.called',
  topic: TOPICS.mcpAudit.name,
  schema: mcpToolCalledSchema,
  key: (p) => p.server_id,
  description: 'A tools/call through /mcp/:server, with its subject, decision and rule (the audit trail).',
});

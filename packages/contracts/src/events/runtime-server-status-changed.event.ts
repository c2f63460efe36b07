// `runtime.server.status_changed`: the runtime status of a server changed (e.g. running, pending-governance, error).
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeServerStatusChangedSchema = z.object({
  server_id: uuidSchema,
  from_status: z.string().nullable(),
  to_status: z.string().min(1),
  reason: z.string().nullable(),
  /** The server row version after the change, so projections drop stale updates. */
  version: z.int().min(1),
  changed_at: timestampSchema,
  /** The running instance's MCP Streamable HTTP URL, reachable from the gateway; absent or null when not known. */
  endpoint: z.url().nullable().optional(),
});

export const runtimeServerStatusChangedEvent = defineEvent({
  type: 'runtime.server.status_changed',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeServerStatusChangedSchema,
  key: (p) => p.server_id,
  description: 'A server status changed, e.g. to `running`, `pending-governance`, `stopped` or `error`.',
});

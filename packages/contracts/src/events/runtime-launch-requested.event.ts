// `runtime.launch.requested`: an operator or a completed governance run asked to (re)deploy a server.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeLaunchRequestedSchema = z.object({
  launch_id: uuidSchema,
  server_id: uuidSchema,
  requested_backend: z.string().nullable(),
  tier: z.string().nullable(),
  /** Who asked: an operator subject, or `governance-run:<id>` for a redeploy after governance. */
  requested_by: z.string().nullable(),
  requested_at: timestampSchema,
});

export const runtimeLaunchRequestedEvent = defineEvent({
  type: 'runtime.launch.requested',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeLaunchRequestedSchema,
  key: (p) => p.server_id,
  description: 'A launch (or redeploy) of a server was requested; the policy engine decides placement next.',
});

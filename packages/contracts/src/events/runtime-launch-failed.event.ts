// `runtime.launch.failed`: an executor could not start the server.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeLaunchFailedSchema = z.object({
  launch_id: uuidSchema,
  server_id: uuidSchema,
  policy_decision_id: uuidSchema.nullable(),
  backend: z.string().nullable(),
  /** e.g. `no_engine`, `capability_unsatisfied`, `executor_error`. */
  error_kind: z.string().min(1),
  message: z.string(),
  failed_at: timestampSchema,
});

export const runtimeLaunchFailedEvent = defineEvent({
  type: 'runtime.launch.failed',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeLaunchFailedSchema,
  key: (p) => p.server_id,
  description: 'A server launch failed on its executor.',
});

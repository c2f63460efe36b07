// `runtime.server.stopped`: a running server was stopped or deleted on its executor.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeServerStoppedSchema = z.object({
  server_id: uuidSchema,
  backend: z.string().nullable(),
  instance_ref: z.string().nullable(),
  reason: z.string().nullable(),
  stopped_by: z.string().nullable(),
  stopped_at: timestampSchema,
});

export const runtimeServerStoppedEvent = defineEvent({
  type: 'runtime.server.stopped',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeServerStoppedSchema,
  key: (p) => p.server_id,
  description: 'A server was stopped on its executor.',
});

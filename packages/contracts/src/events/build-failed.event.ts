// `build.failed`: a build or push failed; the policy engine marks the server `error` on it.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const buildFailedSchema = z.object({
  build_id: uuidSchema,
  server_id: uuidSchema,
  /** Which stage failed. */
  stage: z.enum(['clone', 'build', 'tag', 'push', 'manifest', 'auth']),
  error_kind: z.string(),
  message: z.string(),
  completed_at: timestampSchema,
});

export const buildFailedEvent = defineEvent({
  type: 'build.failed',
  topic: TOPICS.buildRuns.name,
  schema: buildFailedSchema,
  key: (p) => p.server_id,
  description: 'A build run failed; the server is marked `error` until a redeploy succeeds.',
});

// `build.succeeded`: a build run finished and its image was pushed.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const buildSucceededSchema = z.object({
  build_id: uuidSchema,
  server_id: uuidSchema,
  /** The ledger row recorded for this build (`artifact.recorded`), null when the build was not git-driven. */
  artifact_run_id: uuidSchema.nullable(),
  registry_image: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  completed_at: timestampSchema,
});

export const buildSucceededEvent = defineEvent({
  type: 'build.succeeded',
  topic: TOPICS.buildRuns.name,
  schema: buildSucceededSchema,
  key: (p) => p.server_id,
  description: 'A build run succeeded and the image was pushed.',
});

// `build.started`: a build run began for a server.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const buildStartedSchema = z.object({
  build_id: uuidSchema,
  server_id: uuidSchema,
  source_repository: z.string().nullable(),
  source_branch: z.string().nullable(),
  dockerfile_path: z.string().nullable(),
  /** Target platforms from REGISTRY_ARCH_TARGETS, e.g. `linux/amd64`. */
  platforms: z.array(z.string()).min(1),
  requested_by: z.string().nullable(),
  started_at: timestampSchema,
});

export const buildStartedEvent = defineEvent({
  type: 'build.started',
  topic: TOPICS.buildRuns.name,
  schema: buildStartedSchema,
  key: (p) => p.server_id,
  description: 'A build run started for a server.',
});

// `build.progress`: one build log line, e.g. `Manifest published with digest sha256:<hash>`; feeds the build log stream.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const buildProgressSchema = z.object({
  build_id: uuidSchema,
  server_id: uuidSchema,
  /** Monotonic per build, so a reader can order and de-duplicate lines. */
  sequence: z.int().min(0),
  stream: z.enum(['stdout', 'stderr', 'system']),
  platform: z.string().nullable(),
  line: z.string(),
  logged_at: timestampSchema,
});

export const buildProgressEvent = defineEvent({
  type: 'build.progress',
  topic: TOPICS.buildRuns.name,
  schema: buildProgressSchema,
  key: (p) => p.server_id,
  description: 'One progress log line of a build run.',
});

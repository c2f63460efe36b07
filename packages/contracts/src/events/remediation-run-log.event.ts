// `remediation.run.log`: one log line of a remediation run, streamed by `remediation watch`.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const remediationRunLogSchema = z.object({
  run_id: uuidSchema,
  sequence: z.int().min(0),
  stream: z.enum(['stdout', 'stderr', 'system']),
  line: z.string(),
  logged_at: timestampSchema,
});

export const remediationRunLogEvent = defineEvent({
  type: 'remediation.run.log',
  topic: TOPICS.remediation.name,
  schema: remediationRunLogSchema,
  key: (p) => p.run_id,
  description: 'One log line of a remediation run.',
});

// `remediation.action.completed`: the service that acted on a remediation run (restart, evaluation rerun, credential
// rotation) says how it went; governance finishes the run from it.
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { remediationExecutorSchema } from './remediation.schema';

export const remediationActionCompletedSchema = z.object({
  run_id: uuidSchema,
  executor_type: remediationExecutorSchema,
  /** The run attempt the action answered. */
  attempt: z.int().min(1),
  outcome: z.enum(['succeeded', 'failed']),
  /** One line saying what was done or why it failed. */
  detail: z.string().max(4000),
  /** What the acting service saw (for restart-server: old_container_id, new_container_id, health). */
  evidence: jsonObjectSchema,
  /** The service that acted. */
  actor: z.string().min(1),
  completed_at: timestampSchema,
});
export type RemediationActionCompleted = z.infer<typeof remediationActionCompletedSchema>;

export const remediationActionCompletedEvent = defineEvent({
  type: 'remediation.action.completed',
  topic: TOPICS.remediation.name,
  schema: remediationActionCompletedSchema,
  key: (p) => p.run_id,
  description:
    'The service that carried out a remediation run (restart, evaluation rerun, credential rotation) reports its outcome and evidence.',
});

// `governance.run.completed`: a run reached a final status; promotions and held placements react to it.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const governanceRunCompletedSchema = z.object({
  run_id: uuidSchema,
  workflow_id: uuidSchema,
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  tier: z.string().min(1),
  artifact_run_id: uuidSchema.nullable(),
  manifest_digest: digestSchema.nullable(),
  promotion_id: uuidSchema.nullable(),
  policy_decision_id: uuidSchema.nullable(),
  /** True when completion asks the runtime to redeploy the linked policy decision. */
  redeploy_requested: z.boolean(),
  version: z.int().min(1),
  completed_at: timestampSchema,
  actor: z.string().nullable().optional(),
  note: z.string().nullable().optional(),
});

export const governanceRunCompletedEvent = defineEvent({
  type: 'governance.run.completed',
  topic: TOPICS.governanceRuns.name,
  schema: governanceRunCompletedSchema,
  key: (p) => p.workflow_id,
  description:
    'A governance run completed. On success the linked promotion becomes active and the held placement is redeployed; on failure the promotion rolls back.',
});

// `governance.run.started`: a workflow run began for an artifact/tier, with its seeded step rows.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { governanceRunStatusSchema, governanceStepStatusSchema } from './governance.schema';

export const governanceRunStartedSchema = z.object({
  run_id: uuidSchema,
  workflow_id: uuidSchema,
  tier: z.string().min(1),
  artifact_run_id: uuidSchema.nullable(),
  manifest_digest: digestSchema.nullable(),
  /** Set when a scheduled promotion launched this run. */
  promotion_id: uuidSchema.nullable(),
  /** Set when the run was started for a held runtime placement. */
  policy_decision_id: uuidSchema.nullable(),
  status: governanceRunStatusSchema,
  context: jsonObjectSchema,
  steps: z.array(
    z.object({ position: z.int().min(0), name: z.string(), status: governanceStepStatusSchema }),
  ),
  started_by: z.string().nullable(),
  version: z.int().min(1),
  started_at: timestampSchema,
});

export const governanceRunStartedEvent = defineEvent({
  type: 'governance.run.started',
  topic: TOPICS.governanceRuns.name,
  schema: governanceRunStartedSchema,
  key: (p) => p.workflow_id,
  description: 'A governance workflow run started; its step runs are seeded as pending.',
});

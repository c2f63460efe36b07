// `governance.run.transitioned`: a run (or one of its steps) changed status, with the audit note.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { governanceRunStatusSchema, governanceStepStatusSchema } from './governance.schema';

export const governanceRunTransitionedSchema = z.object({
  run_id: uuidSchema,
  workflow_id: uuidSchema,
  from_status: governanceRunStatusSchema,
  to_status: governanceRunStatusSchema,
  /** The step this transition moved, or null for a run-level transition. */
  step: z.object({ position: z.int().min(0), status: governanceStepStatusSchema }).nullable(),
  note: z.string().nullable(),
  actor: z.string().nullable(),
  version: z.int().min(1),
  transitioned_at: timestampSchema,
  /** The step's status before this transition (step transitions only). */
  step_from_status: governanceStepStatusSchema.nullable().optional(),
  tier: z.string().min(1).optional(),
  manifest_digest: digestSchema.nullable().optional(),
  artifact_run_id: uuidSchema.nullable().optional(),
  promotion_id: uuidSchema.nullable().optional(),
});

export const governanceRunTransitionedEvent = defineEvent({
  type: 'governance.run.transitioned',
  topic: TOPICS.governanceRuns.name,
  schema: governanceRunTransitionedSchema,
  key: (p) => p.workflow_id,
  description: 'A governance run or step changed status; an audit log entry was appended.',
});

// `governance.workflow.created`: a reusable workflow definition with its ordered steps.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { governanceWorkflowKindSchema } from './governance.schema';

export const governanceWorkflowCreatedSchema = z.object({
  workflow_id: uuidSchema,
  name: z.string().min(1),
  kind: governanceWorkflowKindSchema,
  tier: z.string().min(1),
  description: z.string().nullable(),
  steps: z.array(
    z.object({ position: z.int().min(0), name: z.string().min(1), description: z.string().nullable() }),
  ),
  created_by: z.string().nullable(),
  created_at: timestampSchema,
});

export const governanceWorkflowCreatedEvent = defineEvent({
  type: 'governance.workflow.created',
  topic: TOPICS.governanceRuns.name,
  schema: governanceWorkflowCreatedSchema,
  key: (p) => p.workflow_id,
  description: 'A governance workflow was defined for a tier, with its ordered steps.',
});

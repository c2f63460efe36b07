// REST shapes of /api/governance/workflows. The body is the contracts' one, plus an optional `action` per step and
// `kind` defaulting to `promotion`; the list query and the response have no contracts schema yet.
import { z } from 'zod';
import {
  createWorkflowBodySchema,
  cursorQuerySchema,
  governanceWorkflowKindSchema,
  limitQuerySchema,
} from '@mcp-host/contracts';

export const createWorkflowRequestSchema = createWorkflowBodySchema.extend({
  name: z.string().trim().min(1).max(128),
  kind: governanceWorkflowKindSchema.default('promotion'),
  steps: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(128),
        action: z.string().min(1).nullable().optional(),
        description: z.string().nullable().optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type CreateWorkflowRequest = z.infer<typeof createWorkflowRequestSchema>;

export type WorkflowKind = z.infer<typeof governanceWorkflowKindSchema>;

export const workflowListQuerySchema = z.object({
  tier: z.string().min(1).optional(),
  kind: governanceWorkflowKindSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type WorkflowListQuery = z.infer<typeof workflowListQuerySchema>;

export interface WorkflowStep {
  position: number;
  name: string;
  action: string | null;
  description: string | null;
}

export interface Workflow {
  id: string;
  name: string;
  kind: WorkflowKind;
  tier: string;
  description: string | null;
  created_by: string | null;
  steps: WorkflowStep[];
  created_at: string;
  updated_at: string;
}

export interface WorkflowPage {
  items: Workflow[];
  next_cursor: string | null;
}

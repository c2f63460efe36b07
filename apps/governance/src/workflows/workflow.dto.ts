// Response shapes of /api/governance/workflows; the request body and list query are the contracts' ones.
import type { z } from 'zod';
import {
  createWorkflowBodySchema,
  workflowListQuerySchema,
  type CreateWorkflowBody,
  type WorkflowListQuery,
  type governanceWorkflowKindSchema,
} from '@mcp-host/contracts';

export { workflowListQuerySchema, type WorkflowListQuery };
export const createWorkflowRequestSchema = createWorkflowBodySchema;
export type CreateWorkflowRequest = CreateWorkflowBody;

export type WorkflowKind = z.infer<typeof governanceWorkflowKindSchema>;

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

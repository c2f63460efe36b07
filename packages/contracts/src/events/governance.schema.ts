// Governance vocabulary shared by the workflow and run events.
import { z } from 'zod';

export const GOVERNANCE_RUN_STATUSES = [
  'pending',
  'in_progress',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const governanceRunStatusSchema = z.enum(GOVERNANCE_RUN_STATUSES);
export type GovernanceRunStatus = z.infer<typeof governanceRunStatusSchema>;

export const GOVERNANCE_STEP_STATUSES = ['pending', 'in_progress', 'succeeded', 'failed', 'skipped'] as const;
export const governanceStepStatusSchema = z.enum(GOVERNANCE_STEP_STATUSES);
export type GovernanceStepStatus = z.infer<typeof governanceStepStatusSchema>;

/** Governance workflows cover promotion, rollback and credential rotation. */
export const GOVERNANCE_WORKFLOW_KINDS = ['promotion', 'rollback', 'credential_rotation'] as const;
export const governanceWorkflowKindSchema = z.enum(GOVERNANCE_WORKFLOW_KINDS);

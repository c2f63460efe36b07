// Remediation vocabulary shared by the remediation run events.
import { z } from 'zod';

export const REMEDIATION_RUN_STATUSES = [
  'pending',
  'awaiting_approval',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const remediationRunStatusSchema = z.enum(REMEDIATION_RUN_STATUSES);
export type RemediationRunStatus = z.infer<typeof remediationRunStatusSchema>;

export const REMEDIATION_APPROVAL_STATES = ['pending', 'approved', 'rejected', 'not_required'] as const;
export const remediationApprovalStateSchema = z.enum(REMEDIATION_APPROVAL_STATES);
export type RemediationApprovalState = z.infer<typeof remediationApprovalStateSchema>;

/**
 * The executors a remediation playbook may name. `quarantine-instance` and `rollback-promotion` act inside
 * governance; `restart-server` (policy engine), `rerun-evaluation` (marketplace) and `rotate-registry-credentials`
 * (build service) act on the run's move to `running` and answer with `remediation.action.completed`; `webhook`
 * POSTs the run to the playbook's URL.
 */
export const REMEDIATION_EXECUTORS = [
  'quarantine-instance',
  'restart-server',
  'rerun-evaluation',
  'rotate-registry-credentials',
  'rollback-promotion',
  'webhook',
] as const;
export const remediationExecutorSchema = z.enum(REMEDIATION_EXECUTORS);
export type RemediationExecutor = z.infer<typeof remediationExecutorSchema>;

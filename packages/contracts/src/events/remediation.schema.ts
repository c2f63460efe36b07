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

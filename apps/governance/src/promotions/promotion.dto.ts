// Response shapes of /api/promotions.
import type { PromotionStatus, StageApproval } from '@mcp-host/contracts';

export interface Track {
  id: string;
  name: string;
  stages: string[];
  workflow_id: string | null;
  stage_workflows: Record<string, string>;
  stage_tiers: Record<string, string>;
  stage_approvals: Record<string, StageApproval>;
  description: string | null;
  owner: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Promotion {
  id: string;
  track_id: string;
  manifest_digest: string;
  stage: string;
  tier: string;
  artifact_run_id: string | null;
  status: PromotionStatus;
  governance_run_id: string | null;
  run_status: string | null;
  approvals_required: number;
  approval_role: string | null;
  approvals_with_role: number;
  note: string | null;
  reason: string | null;
  scheduled_by: string | null;
  rollback: boolean;
  rollback_of: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  activated_at: string | null;
}

export interface PromotionApproval {
  approver: string;
  role: string | null;
  decision: 'approved' | 'rejected';
  note: string | null;
  created_at: string;
}

export interface PromotionAuditEntry {
  id: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string | null;
  note: string | null;
  version: number;
  created_at: string;
}

export interface PromotionDetail extends Promotion {
  approvals: PromotionApproval[];
  audit_log: PromotionAuditEntry[];
}

export interface PromotionBlock {
  id: string;
  track_id: string;
  manifest_digest: string;
  kind: 'rejected' | 'rollback_hold';
  promotion_id: string | null;
  reason: string | null;
  placed_by: string | null;
  created_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
  lift_note: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

// Response shapes of /api/governance/runs.
import type { GovernanceRunStatus, GovernanceStepStatus } from '@mcp-host/contracts';

export interface RunStep {
  position: number;
  name: string;
  action: string | null;
  status: GovernanceStepStatus;
  updated_at: string;
}

export interface RunAuditEntry {
  id: number;
  step_position: number | null;
  from_status: string | null;
  to_status: string;
  note: string | null;
  actor: string | null;
  version: number;
  created_at: string;
}

export interface Run {
  id: string;
  workflow_id: string;
  tier: string;
  artifact_run_id: string | null;
  manifest_digest: string | null;
  promotion_id: string | null;
  policy_decision_id: string | null;
  status: GovernanceRunStatus;
  context: Record<string, unknown>;
  started_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  steps: RunStep[];
}

export interface RunDetail extends Run {
  audit_log: RunAuditEntry[];
}

export interface RunPage {
  items: Run[];
  next_cursor: string | null;
}

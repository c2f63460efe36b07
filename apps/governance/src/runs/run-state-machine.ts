// The explicit state machines of runs and of their steps: which status may follow which.
import type { GovernanceRunStatus, GovernanceStepStatus } from '@mcp-host/contracts';

export const RUN_TRANSITIONS: Readonly<Record<GovernanceRunStatus, readonly GovernanceRunStatus[]>> = {
  pending: ['in_progress', 'cancelled'],
  in_progress: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export const STEP_TRANSITIONS: Readonly<Record<GovernanceStepStatus, readonly GovernanceStepStatus[]>> = {
  pending: ['in_progress', 'skipped'],
  in_progress: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
  skipped: [],
};

export const TERMINAL_RUN_STATUSES: readonly GovernanceRunStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isRunStatus(s: string): s is GovernanceRunStatus {
  return s in RUN_TRANSITIONS;
}

export function isStepStatus(s: string): s is GovernanceStepStatus {
  return s in STEP_TRANSITIONS;
}

export function runMayMove(from: GovernanceRunStatus, to: GovernanceRunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function stepMayMove(from: GovernanceStepStatus, to: GovernanceStepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

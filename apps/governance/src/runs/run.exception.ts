// Errors of governance workflow runs, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum RunErrorCode {
  NOT_FOUND = 'RUN_NOT_FOUND',
  WORKFLOW_NOT_FOUND = 'WORKFLOW_NOT_FOUND',
  STEP_NOT_FOUND = 'STEP_NOT_FOUND',
  INVALID_STATUS = 'INVALID_STATUS',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  STEPS_INCOMPLETE = 'STEPS_INCOMPLETE',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: RunErrorCode): number {
  switch (code) {
    case RunErrorCode.NOT_FOUND:
    case RunErrorCode.WORKFLOW_NOT_FOUND:
    case RunErrorCode.STEP_NOT_FOUND:
      return 404;
    case RunErrorCode.INVALID_STATUS:
    case RunErrorCode.INVALID_CURSOR:
      return 400;
    case RunErrorCode.INVALID_TRANSITION:
    case RunErrorCode.STEPS_INCOMPLETE:
    case RunErrorCode.VERSION_CONFLICT:
      return 409;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class RunException extends ApiException {
  constructor(code: RunErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

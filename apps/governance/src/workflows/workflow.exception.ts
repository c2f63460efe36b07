// Errors of governance workflows, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum WorkflowErrorCode {
  NOT_FOUND = 'WORKFLOW_NOT_FOUND',
  NAME_TAKEN = 'WORKFLOW_NAME_TAKEN',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: WorkflowErrorCode): number {
  switch (code) {
    case WorkflowErrorCode.NOT_FOUND:
      return 404;
    case WorkflowErrorCode.NAME_TAKEN:
      return 409;
    case WorkflowErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class WorkflowException extends ApiException {
  constructor(code: WorkflowErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

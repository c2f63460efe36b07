// Errors of remediation playbooks and runs, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum RemediationErrorCode {
  RUN_NOT_FOUND = 'REMEDIATION_RUN_NOT_FOUND',
  PLAYBOOK_NOT_FOUND = 'PLAYBOOK_NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  NOT_AWAITING_APPROVAL = 'NOT_AWAITING_APPROVAL',
  INVALID_PAYLOAD = 'INVALID_PAYLOAD',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: RemediationErrorCode): number {
  switch (code) {
    case RemediationErrorCode.RUN_NOT_FOUND:
    case RemediationErrorCode.PLAYBOOK_NOT_FOUND:
      return 404;
    case RemediationErrorCode.VERSION_CONFLICT:
    case RemediationErrorCode.NOT_AWAITING_APPROVAL:
      return 409;
    case RemediationErrorCode.INVALID_PAYLOAD:
    case RemediationErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class RemediationException extends ApiException {
  constructor(code: RemediationErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

// Errors of the audit API, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum AuditErrorCode {
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: AuditErrorCode): number {
  switch (code) {
    case AuditErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class AuditException extends ApiException {
  constructor(code: AuditErrorCode, message: string) {
    super(statusOf(code), code, message);
  }
}

// Errors of the grant store, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum GrantErrorCode {
  NOT_FOUND = 'GRANT_NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: GrantErrorCode): number {
  switch (code) {
    case GrantErrorCode.NOT_FOUND:
      return 404;
    case GrantErrorCode.VERSION_CONFLICT:
      return 409;
    case GrantErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class GrantException extends ApiException {
  constructor(code: GrantErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

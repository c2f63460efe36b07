// Errors of the trust registry, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum TrustErrorCode {
  NOT_FOUND = 'TRUST_ENTRY_NOT_FOUND',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: TrustErrorCode): number {
  switch (code) {
    case TrustErrorCode.NOT_FOUND:
      return 404;
    case TrustErrorCode.INVALID_TRANSITION:
    case TrustErrorCode.VERSION_CONFLICT:
      return 409;
    case TrustErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class TrustException extends ApiException {
  constructor(code: TrustErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

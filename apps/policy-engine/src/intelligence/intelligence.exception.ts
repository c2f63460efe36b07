// Errors of capability intelligence, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum IntelligenceErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
}

function statusOf(code: IntelligenceErrorCode): number {
  switch (code) {
    case IntelligenceErrorCode.SERVER_NOT_FOUND:
      return 404;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class IntelligenceException extends ApiException {
  constructor(code: IntelligenceErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

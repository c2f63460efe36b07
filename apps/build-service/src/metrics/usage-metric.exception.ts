// Errors of the usage metrics API, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum UsageMetricErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: UsageMetricErrorCode): number {
  switch (code) {
    case UsageMetricErrorCode.SERVER_NOT_FOUND:
      return 404;
    case UsageMetricErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class UsageMetricException extends ApiException {
  constructor(code: UsageMetricErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

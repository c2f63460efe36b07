// Errors of the lifecycle console, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum LifecycleErrorCode {
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: LifecycleErrorCode): number {
  switch (code) {
    case LifecycleErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class LifecycleException extends ApiException {
  constructor(code: LifecycleErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

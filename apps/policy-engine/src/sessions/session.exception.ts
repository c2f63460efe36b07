// Errors of the agent session store, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum SessionErrorCode {
  NOT_FOUND = 'AGENT_SESSION_NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: SessionErrorCode): number {
  switch (code) {
    case SessionErrorCode.NOT_FOUND:
      return 404;
    case SessionErrorCode.VERSION_CONFLICT:
      return 409;
    case SessionErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class SessionException extends ApiException {
  constructor(code: SessionErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

// Errors of launches and policy decisions, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum PolicyErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
  DECISION_NOT_FOUND = 'DECISION_NOT_FOUND',
  UNKNOWN_TIER = 'UNKNOWN_TIER',
  UNKNOWN_BACKEND = 'UNKNOWN_BACKEND',
  CAPABILITY_UNAVAILABLE = 'CAPABILITY_UNAVAILABLE',
  NO_IMAGE = 'NO_IMAGE',
  ALREADY_RUNNING = 'SERVER_ALREADY_RUNNING',
  NOT_RUNNING = 'SERVER_NOT_RUNNING',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: PolicyErrorCode): number {
  switch (code) {
    case PolicyErrorCode.SERVER_NOT_FOUND:
    case PolicyErrorCode.DECISION_NOT_FOUND:
      return 404;
    case PolicyErrorCode.UNKNOWN_TIER:
    case PolicyErrorCode.UNKNOWN_BACKEND:
    case PolicyErrorCode.CAPABILITY_UNAVAILABLE:
    case PolicyErrorCode.NO_IMAGE:
      return 422;
    case PolicyErrorCode.ALREADY_RUNNING:
    case PolicyErrorCode.NOT_RUNNING:
      return 409;
    case PolicyErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class PolicyException extends ApiException {
  constructor(code: PolicyErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

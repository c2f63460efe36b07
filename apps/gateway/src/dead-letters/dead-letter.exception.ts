// Errors of the dead-letter admin API, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum DeadLetterErrorCode {
  UNKNOWN_TOPIC = 'UNKNOWN_TOPIC',
  INVALID_CURSOR = 'INVALID_CURSOR',
  BROKER_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
}

function statusOf(code: DeadLetterErrorCode): number {
  switch (code) {
    case DeadLetterErrorCode.UNKNOWN_TOPIC:
    case DeadLetterErrorCode.INVALID_CURSOR:
      return 400;
    case DeadLetterErrorCode.BROKER_UNAVAILABLE:
      return 503;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class DeadLetterException extends ApiException {
  constructor(code: DeadLetterErrorCode, message: string, headers?: Readonly<Record<string, string>>) {
    super(statusOf(code), code, message, undefined, headers);
  }
}

// Errors of server config, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum ServerConfigErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
}

function statusOf(code: ServerConfigErrorCode): number {
  switch (code) {
    case ServerConfigErrorCode.SERVER_NOT_FOUND:
      return 404;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class ServerConfigException extends ApiException {
  constructor(code: ServerConfigErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

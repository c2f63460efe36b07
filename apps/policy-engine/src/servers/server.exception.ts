// Errors of the server registry, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum ServerErrorCode {
  NOT_FOUND = 'SERVER_NOT_FOUND',
  NAME_TAKEN = 'SERVER_NAME_TAKEN',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: ServerErrorCode): number {
  switch (code) {
    case ServerErrorCode.NOT_FOUND:
      return 404;
    case ServerErrorCode.NAME_TAKEN:
    case ServerErrorCode.VERSION_CONFLICT:
      return 409;
    case ServerErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class ServerException extends ApiException {
  constructor(code: ServerErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

// Errors of starting a build, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum BuildErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
  BUILD_NOT_FOUND = 'BUILD_NOT_FOUND',
  NO_BUILD_SOURCE = 'NO_BUILD_SOURCE',
  AMBIGUOUS_BUILD_SOURCE = 'AMBIGUOUS_BUILD_SOURCE',
  GIT_SOURCE_UNAVAILABLE = 'GIT_SOURCE_UNAVAILABLE',
  DOCKERFILE_NOT_FOUND = 'DOCKERFILE_NOT_FOUND',
  UNSUPPORTED_PLATFORM = 'UNSUPPORTED_PLATFORM',
  UNSAFE_ARCHIVE = 'UNSAFE_ARCHIVE',
  INVALID_ARCHIVE = 'INVALID_ARCHIVE',
  ENGINE_UNAVAILABLE = 'ENGINE_UNAVAILABLE',
  INVALID_CURSOR = 'INVALID_CURSOR',
  SOURCE_NOT_ALLOWED = 'SOURCE_NOT_ALLOWED',
  CONTEXT_TOO_LARGE = 'CONTEXT_TOO_LARGE',
  INVALID_DOCKERFILE_PATH = 'INVALID_DOCKERFILE_PATH',
}

function statusOf(code: BuildErrorCode): number {
  switch (code) {
    case BuildErrorCode.SERVER_NOT_FOUND:
    case BuildErrorCode.BUILD_NOT_FOUND:
      return 404;
    case BuildErrorCode.UNSUPPORTED_PLATFORM:
    case BuildErrorCode.UNSAFE_ARCHIVE:
    case BuildErrorCode.INVALID_ARCHIVE:
    case BuildErrorCode.AMBIGUOUS_BUILD_SOURCE:
    case BuildErrorCode.INVALID_CURSOR:
      return 400;
    case BuildErrorCode.NO_BUILD_SOURCE:
    case BuildErrorCode.GIT_SOURCE_UNAVAILABLE:
    case BuildErrorCode.DOCKERFILE_NOT_FOUND:
    case BuildErrorCode.SOURCE_NOT_ALLOWED:
    case BuildErrorCode.INVALID_DOCKERFILE_PATH:
      return 422;
    case BuildErrorCode.CONTEXT_TOO_LARGE:
      return 413;
    case BuildErrorCode.ENGINE_UNAVAILABLE:
      return 503;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class BuildException extends ApiException {
  constructor(code: BuildErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

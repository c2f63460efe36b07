// Errors of the artifact ledger API, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum ArtifactErrorCode {
  ARTIFACT_NOT_FOUND = 'ARTIFACT_NOT_FOUND',
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: ArtifactErrorCode): number {
  switch (code) {
    case ArtifactErrorCode.ARTIFACT_NOT_FOUND:
    case ArtifactErrorCode.SERVER_NOT_FOUND:
      return 404;
    case ArtifactErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class ArtifactException extends ApiException {
  constructor(code: ArtifactErrorCode, message: string) {
    super(statusOf(code), code, message);
  }
}

// Errors of evaluation certifications and tier requirements, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum EvaluationErrorCode {
  ARTIFACT_NOT_FOUND = 'ARTIFACT_NOT_FOUND',
  CERTIFICATION_NOT_FOUND = 'EVALUATION_NOT_FOUND',
  TIER_NOT_FOUND = 'TIER_REQUIREMENTS_NOT_FOUND',
  DIGEST_MISMATCH = 'DIGEST_MISMATCH',
  DIGEST_UNKNOWN = 'DIGEST_UNKNOWN',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  INVALID_CURSOR = 'INVALID_CURSOR',
  INVALID_TIER = 'INVALID_TIER',
}

function statusOf(code: EvaluationErrorCode): number {
  switch (code) {
    case EvaluationErrorCode.ARTIFACT_NOT_FOUND:
    case EvaluationErrorCode.CERTIFICATION_NOT_FOUND:
    case EvaluationErrorCode.TIER_NOT_FOUND:
      return 404;
    case EvaluationErrorCode.DIGEST_MISMATCH:
    case EvaluationErrorCode.DIGEST_UNKNOWN:
      return 422;
    case EvaluationErrorCode.VERSION_CONFLICT:
      return 409;
    case EvaluationErrorCode.INVALID_CURSOR:
    case EvaluationErrorCode.INVALID_TIER:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class EvaluationException extends ApiException {
  constructor(code: EvaluationErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

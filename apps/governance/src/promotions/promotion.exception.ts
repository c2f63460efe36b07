// Errors of promotion tracks and promotions, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum PromotionErrorCode {
  TRACK_NOT_FOUND = 'TRACK_NOT_FOUND',
  TRACK_NAME_TAKEN = 'TRACK_NAME_TAKEN',
  WORKFLOW_NOT_FOUND = 'WORKFLOW_NOT_FOUND',
  UNKNOWN_STAGE = 'UNKNOWN_STAGE',
  ARTIFACT_NOT_FOUND = 'ARTIFACT_NOT_FOUND',
  STAGE_OUT_OF_ORDER = 'STAGE_OUT_OF_ORDER',
  DIGEST_BLOCKED = 'DIGEST_BLOCKED',
  PROMOTION_IN_FLIGHT = 'PROMOTION_IN_FLIGHT',
  NOT_FOUND = 'PROMOTION_NOT_FOUND',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  SUBJECT_REQUIRED = 'SUBJECT_REQUIRED',
  SELF_APPROVAL = 'SELF_APPROVAL',
  ALREADY_DECIDED = 'ALREADY_DECIDED',
  APPROVER_ROLE_REQUIRED = 'APPROVER_ROLE_REQUIRED',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  NOTHING_ACTIVE = 'NOTHING_ACTIVE',
  NO_ROLLBACK_TARGET = 'NO_ROLLBACK_TARGET',
  BLOCK_NOT_FOUND = 'BLOCK_NOT_FOUND',
  BLOCK_ALREADY_LIFTED = 'BLOCK_ALREADY_LIFTED',
  ADMIN_REQUIRED = 'ADMIN_REQUIRED',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: PromotionErrorCode): number {
  switch (code) {
    case PromotionErrorCode.TRACK_NOT_FOUND:
    case PromotionErrorCode.WORKFLOW_NOT_FOUND:
    case PromotionErrorCode.ARTIFACT_NOT_FOUND:
    case PromotionErrorCode.NOT_FOUND:
    case PromotionErrorCode.BLOCK_NOT_FOUND:
      return 404;
    case PromotionErrorCode.UNKNOWN_STAGE:
    case PromotionErrorCode.SUBJECT_REQUIRED:
    case PromotionErrorCode.INVALID_CURSOR:
      return 400;
    case PromotionErrorCode.SELF_APPROVAL:
    case PromotionErrorCode.APPROVER_ROLE_REQUIRED:
    case PromotionErrorCode.ADMIN_REQUIRED:
      return 403;
    case PromotionErrorCode.TRACK_NAME_TAKEN:
    case PromotionErrorCode.STAGE_OUT_OF_ORDER:
    case PromotionErrorCode.DIGEST_BLOCKED:
    case PromotionErrorCode.PROMOTION_IN_FLIGHT:
    case PromotionErrorCode.INVALID_TRANSITION:
    case PromotionErrorCode.ALREADY_DECIDED:
    case PromotionErrorCode.VERSION_CONFLICT:
    case PromotionErrorCode.NOTHING_ACTIVE:
    case PromotionErrorCode.NO_ROLLBACK_TARGET:
    case PromotionErrorCode.BLOCK_ALREADY_LIFTED:
      return 409;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class PromotionException extends ApiException {
  constructor(code: PromotionErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

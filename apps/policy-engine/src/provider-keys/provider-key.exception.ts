// Errors of provider BYOK keys, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum ProviderKeyErrorCode {
  NOT_FOUND = 'PROVIDER_KEY_NOT_FOUND',
  SIGNATURE_MISMATCH = 'ATTESTATION_SIGNATURE_MISMATCH',
  ROTATION_PENDING = 'ROTATION_PENDING',
  NO_PENDING_ROTATION = 'NO_PENDING_ROTATION',
  KEY_REVOKED = 'PROVIDER_KEY_REVOKED',
  APPROVER_REQUIRED = 'APPROVER_REQUIRED',
  SELF_APPROVAL = 'SELF_APPROVAL_FORBIDDEN',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: ProviderKeyErrorCode): number {
  switch (code) {
    case ProviderKeyErrorCode.NOT_FOUND:
      return 404;
    case ProviderKeyErrorCode.SIGNATURE_MISMATCH:
      return 422;
    case ProviderKeyErrorCode.ROTATION_PENDING:
    case ProviderKeyErrorCode.NO_PENDING_ROTATION:
    case ProviderKeyErrorCode.KEY_REVOKED:
      return 409;
    case ProviderKeyErrorCode.APPROVER_REQUIRED:
    case ProviderKeyErrorCode.INVALID_CURSOR:
      return 400;
    case ProviderKeyErrorCode.SELF_APPROVAL:
      return 403;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class ProviderKeyException extends ApiException {
  constructor(code: ProviderKeyErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

// Errors of VM instances and their lifecycle, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum VmErrorCode {
  SERVER_NOT_FOUND = 'SERVER_NOT_FOUND',
  INSTANCE_NOT_FOUND = 'VM_INSTANCE_NOT_FOUND',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  VMM_FAILED = 'VM_MANAGER_FAILED',
  ATTESTATION_REFUSED = 'ATTESTATION_REFUSED',
}

function statusOf(code: VmErrorCode): number {
  switch (code) {
    case VmErrorCode.SERVER_NOT_FOUND:
    case VmErrorCode.INSTANCE_NOT_FOUND:
      return 404;
    case VmErrorCode.INVALID_TRANSITION:
    case VmErrorCode.VERSION_CONFLICT:
      return 409;
    case VmErrorCode.VMM_FAILED:
      return 502;
    case VmErrorCode.ATTESTATION_REFUSED:
      return 422;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class VmException extends ApiException {
  constructor(code: VmErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}

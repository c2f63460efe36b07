// The one error shape every service answers with: { error: { code, message, details } }, plus the codes every
// service shares. A domain adds its own codes in its own exception; these stay here once.
export class ApiException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on a 503 or 429. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiException';
  }

  toBody(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** Codes that mean the same thing in every service. */
export enum CommonErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  INVALID_ID = 'INVALID_ID',
  INVALID_CURSOR = 'INVALID_CURSOR',
  NOT_FOUND = 'NOT_FOUND',
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  EVENT_TOO_LARGE = 'EVENT_TOO_LARGE',
  SERVICE_BUSY = 'SERVICE_BUSY',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export function commonErrorStatus(code: CommonErrorCode): number {
  switch (code) {
    case CommonErrorCode.VALIDATION_FAILED:
    case CommonErrorCode.INVALID_ID:
    case CommonErrorCode.INVALID_CURSOR:
      return 400;
    case CommonErrorCode.NOT_FOUND:
      return 404;
    case CommonErrorCode.VERSION_CONFLICT:
      return 409;
    case CommonErrorCode.PAYLOAD_TOO_LARGE:
    case CommonErrorCode.EVENT_TOO_LARGE:
      return 413;
    case CommonErrorCode.SERVICE_BUSY:
    case CommonErrorCode.DEPENDENCY_UNAVAILABLE:
      return 503;
    case CommonErrorCode.INTERNAL:
      return 500;
    default: {
      const never: never = code;
      return never;
    }
  }
}

/** An error with one of the shared codes; `retryAfterSeconds` sets Retry-After. */
export function commonError(
  code: CommonErrorCode,
  message: string,
  opts: { details?: unknown; retryAfterSeconds?: number } = {},
): ApiException {
  return new ApiException(
    commonErrorStatus(code),
    code,
    message,
    opts.details,
    opts.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(opts.retryAfterSeconds) },
  );
}

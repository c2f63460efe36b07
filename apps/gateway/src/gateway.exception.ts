// The gateway's own errors, each code mapped to one HTTP status in one exhaustive switch, like the services have.
// Answers relayed from a service keep the service's code; everything the gateway decides itself is coded here.
import { ApiException } from '@mcp-host/platform';

export enum GatewayErrorCode {
  // The request itself
  INVALID_PATH = 'INVALID_PATH',
  INVALID_JSON = 'INVALID_JSON',
  INVALID_CURSOR = 'INVALID_CURSOR',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  // Who is asking
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  AUTH_RATE_LIMITED = 'AUTH_RATE_LIMITED',
  OIDC_UNAVAILABLE = 'OIDC_UNAVAILABLE',
  // Budgets
  RATE_LIMITED = 'RATE_LIMITED',
  TOO_MANY_STREAMS = 'TOO_MANY_STREAMS',
  // Tokens
  TOKEN_NOT_FOUND = 'TOKEN_NOT_FOUND',
  // The gateway and its upstreams
  UNAVAILABLE = 'UNAVAILABLE',
  STREAM_NOT_WATCHABLE = 'STREAM_NOT_WATCHABLE',
  NO_HANDLER = 'NO_HANDLER',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_RESET = 'UPSTREAM_RESET',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
}

export function gatewayStatusOf(code: GatewayErrorCode): number {
  switch (code) {
    case GatewayErrorCode.INVALID_PATH:
    case GatewayErrorCode.INVALID_JSON:
    case GatewayErrorCode.INVALID_CURSOR:
    case GatewayErrorCode.VALIDATION_FAILED:
      return 400;
    case GatewayErrorCode.UNAUTHENTICATED:
      return 401;
    case GatewayErrorCode.FORBIDDEN:
      return 403;
    case GatewayErrorCode.ROUTE_NOT_FOUND:
    case GatewayErrorCode.TOKEN_NOT_FOUND:
      return 404;
    case GatewayErrorCode.METHOD_NOT_ALLOWED:
      return 405;
    case GatewayErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case GatewayErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case GatewayErrorCode.RATE_LIMITED:
    case GatewayErrorCode.AUTH_RATE_LIMITED:
    case GatewayErrorCode.TOO_MANY_STREAMS:
      return 429;
    case GatewayErrorCode.STREAM_NOT_WATCHABLE:
    case GatewayErrorCode.NO_HANDLER:
      return 500;
    case GatewayErrorCode.UPSTREAM_RESET:
    case GatewayErrorCode.UPSTREAM_ERROR:
      return 502;
    case GatewayErrorCode.UNAVAILABLE:
    case GatewayErrorCode.OIDC_UNAVAILABLE:
    case GatewayErrorCode.UPSTREAM_UNAVAILABLE:
      return 503;
    case GatewayErrorCode.UPSTREAM_TIMEOUT:
      return 504;
    default: {
      const never: never = code;
      throw new Error(`unknown gateway error code ${String(never)}`);
    }
  }
}

export class GatewayException extends ApiException {
  constructor(code: GatewayErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(gatewayStatusOf(code), code, message, details, headers);
  }
}

// Maps a failed upstream call to the gateway's answer: refused 503, too slow 504, cut off 502.
import { ApiException } from '@mcp-host/platform';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
]);
const TIMEOUT = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function codesOf(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 3) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof e.code === 'string' ? [e.code] : [];
  codes.push(...codesOf(e.cause, depth + 1));
  if (Array.isArray(e.errors)) for (const inner of e.errors) codes.push(...codesOf(inner, depth + 1));
  return codes;
}

export function upstreamErrorToApi(service: string, err: unknown): ApiException {
  const codes = codesOf(err);
  if (codes.some((c) => UNAVAILABLE.has(c))) {
    return new GatewayException(
      GatewayErrorCode.UPSTREAM_UNAVAILABLE,
      `The ${service} service is not reachable.`,
    );
  }
  if (codes.some((c) => TIMEOUT.has(c))) {
    return new GatewayException(
      GatewayErrorCode.UPSTREAM_TIMEOUT,
      `The ${service} service did not answer in time.`,
    );
  }
  if (codes.some((c) => RESET.has(c))) {
    return new GatewayException(
      GatewayErrorCode.UPSTREAM_RESET,
      `The ${service} service closed the connection before answering.`,
    );
  }
  return new GatewayException(GatewayErrorCode.UPSTREAM_ERROR, `The ${service} service could not be called.`);
}

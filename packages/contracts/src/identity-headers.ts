// The identity the gateway hands a service with each forwarded request. Header values are Latin-1 on the wire, so
// the subject and owner travel percent-encoded (UTF-8) and any Unicode value reaches the service intact.
export const IDENTITY_HEADER = {
  subject: 'x-mcp-host-subject',
  role: 'x-mcp-host-role',
  tokenId: 'x-mcp-host-token-id',
} as const;
export const IDENTITY_HEADERS = Object.values(IDENTITY_HEADER);

/** Encodes an identity value for a header: UTF-8, percent-encoded, so CR, LF and non-Latin-1 text cannot break it. */
export function encodeIdentityValue(value: string): string {
  return encodeURIComponent(value);
}

/** The inverse of `encodeIdentityValue`; a value that is not valid percent-encoding is returned unchanged. */
export function decodeIdentityValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The header carrying the internal token with which the gateway proves, to a service, that a request came through it.
 * Every `x-mcp-host-*` header a client sends is dropped at the gateway, this one included.
 */
export const INTERNAL_TOKEN_HEADER = 'x-mcp-host-internal-token';

/** The prefix of every header only the gateway may set; a client's copies never reach a service. */
export const GATEWAY_HEADER_PREFIX = 'x-mcp-host-';

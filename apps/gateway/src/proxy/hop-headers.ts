// Headers that describe one connection, not the message, and so never cross the gateway.
import type { IncomingHttpHeaders } from 'node:http';
import { GATEWAY_HEADER_PREFIX } from '@mcp-host/contracts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

/** Copies `headers` without hop-by-hop ones (also those named in `Connection`) and without `drop`. */
export function endToEndHeaders(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  drop: ReadonlySet<string> = new Set(),
): Record<string, string | string[]> {
  const connectionListed = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || lower.startsWith('proxy-')) continue;
    if (connectionListed.has(lower) || drop.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

/**
 * What the gateway sets itself, so a client's copies never reach a service: its credentials (the service gets the
 * identity instead), the request id and trace, and every claim about the client's address or the path it came by.
 */
const SET_BY_GATEWAY = new Set([
  'host',
  'authorization',
  'cookie',
  // The gateway answered the client's 100-continue itself; the upstream gets the body straight away.
  'expect',
  'x-request-id',
  'traceparent',
  'tracestate',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
]);

/**
 * A client's request headers as they may be forwarded: end-to-end only, without what the gateway sets, without any
 * `x-mcp-host-*` header (identity, internal token, and whatever such header comes later), and without `alsoDrop`
 * (lower-case names a door consumes itself). The REST proxy and the /mcp door both forward through this.
 */
export function clientHeaders(
  headers: IncomingHttpHeaders,
  alsoDrop: ReadonlySet<string> = new Set(),
): Record<string, string | string[]> {
  const out = endToEndHeaders(headers, SET_BY_GATEWAY);
  for (const name of Object.keys(out)) {
    if (name.startsWith(GATEWAY_HEADER_PREFIX) || alsoDrop.has(name)) delete out[name];
  }
  return out;
}

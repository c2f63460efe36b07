// The webhook executor's delivery: one JSON POST signed with HMAC-SHA256, a timeout per attempt and bounded retries.
// The target is checked where the connection is made: the host must be allowed, and every address it resolves to
// must be public unless private targets are allowed, so a name that resolves to an internal address is refused too.
import { createHash, createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export const SIGNATURE_HEADER = 'x-mcp-host-signature';

export interface WebhookTarget {
  allowPrivate: boolean;
  allowedHosts: string[];
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

export interface WebhookAttempt {
  attempt: number;
  status: number | null;
  error: string | null;
}

export interface WebhookResult {
  ok: boolean;
  status: number | null;
  /** sha256 of the (first 64 KiB of the) last response body. */
  response_digest: string | null;
  request_digest: string;
  attempts: WebhookAttempt[];
  /** Why no attempt was made, when none was. */
  refused: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/** Addresses that are not the public internet: loopback, private, link-local, CGNAT, unique-local, multicast... */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** True when `address` is not a public one (an IPv4-mapped IPv6 address is judged by its IPv4 part). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NON_PUBLIC.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why `url` may not be a webhook target under `t` (before any address is known), or null. */
export function refusalOf(url: URL, t: Pick<WebhookTarget, 'allowPrivate' | 'allowedHosts'>): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not http(s)`;
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (t.allowedHosts.length > 0 && !t.allowedHosts.map((h) => h.toLowerCase()).includes(host))
    return `host ${host} is not in REMEDIATION_WEBHOOK_ALLOWED_HOSTS`;
  if (isIP(host) && !t.allowPrivate && isNonPublicAddress(host))
    return `address ${host} is not public (set REMEDIATION_WEBHOOK_ALLOW_PRIVATE=true to allow it)`;
  return null;
}

/** A resolver that refuses names resolving to a non-public address, unless those are allowed. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => !allowPrivate && isNonPublicAddress(a.address));
      if (bad) {
        const e = new Error(
          `${hostname} resolves to ${bad.address}, which is not public (set REMEDIATION_WEBHOOK_ALLOW_PRIVATE=true to allow it)`,
        ) as NodeJS.ErrnoException;
        e.code = 'EWEBHOOKTARGET';
        return callback(e, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

export function signBody(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function once(
  url: URL,
  body: Buffer,
  headers: Record<string, string>,
  t: WebhookTarget,
): Promise<{ status: number; digest: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        lookup: guardedLookup(t.allowPrivate),
        timeout: t.timeoutMs,
        signal: AbortSignal.timeout(t.timeoutMs),
      },
      (res: IncomingMessage) => {
        const hash = createHash('sha256');
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          if (seen >= MAX_RESPONSE_BYTES) return;
          const part = chunk.subarray(0, MAX_RESPONSE_BYTES - seen);
          seen += part.length;
          hash.update(part);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: `sha256:${hash.digest('hex')}` }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${t.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs `body` to `url` with its signature; retries timeouts, connection errors, 429 and 5xx, never 2xx-4xx. */
export async function deliverWebhook(
  url: URL,
  body: Buffer,
  secret: string,
  extraHeaders: Record<string, string>,
  t: WebhookTarget,
): Promise<WebhookResult> {
  const request_digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const refused = refusalOf(url, t);
  if (refused)
    return { ok: false, status: null, response_digest: null, request_digest, attempts: [], refused };
  const headers = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: signBody(secret, body),
    ...extraHeaders,
  };
  const attempts: WebhookAttempt[] = [];
  let last: { status: number; digest: string } | undefined;
  for (let attempt = 1; attempt <= t.retries + 1; attempt++) {
    try {
      last = await once(url, body, headers, t);
      attempts.push({ attempt, status: last.status, error: null });
      if (last.status < 500 && last.status !== 429) break;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      last = undefined;
      attempts.push({ attempt, status: null, error: e.message });
      if (e.code === 'EWEBHOOKTARGET') {
        return {
          ok: false,
          status: null,
          response_digest: null,
          request_digest,
          attempts,
          refused: e.message,
        };
      }
    }
    if (attempt <= t.retries) await new Promise((r) => setTimeout(r, t.backoffMs * 2 ** (attempt - 1)));
  }
  return {
    ok: last !== undefined && last.status >= 200 && last.status < 300,
    status: last?.status ?? null,
    response_digest: last?.digest ?? null,
    request_digest,
    attempts,
    refused: null,
  };
}

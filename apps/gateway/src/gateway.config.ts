// The gateway's own configuration: where each service listens, how long to wait for it, and where the first admin token goes.
import { z } from 'zod';
import { envInt, type BaseConfig } from '@mcp-host/platform';

const optionalUrl = (what: string) =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || URL.canParse(v), 'must be a URL')
    .describe(what);

const upstreamUrl = (port: number, service: string) =>
  z
    .string()
    .default(`http://127.0.0.1:${port}`)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search;
      } catch {
        return false;
      }
    }, 'must be an http(s):// origin such as http://127.0.0.1:3001')
    .describe(`Base URL of the ${service} service the gateway forwards to.`);

/** JWT algorithms the gateway may accept: asymmetric only, so a public key can never be used as an HMAC secret. */
export const OIDC_ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

export const gatewayConfigShape = {
  GATEWAY_UPSTREAM_BUILD_SERVICE: upstreamUrl(3001, 'build-service'),
  GATEWAY_UPSTREAM_POLICY_ENGINE: upstreamUrl(3002, 'policy-engine'),
  GATEWAY_UPSTREAM_GOVERNANCE: upstreamUrl(3003, 'governance'),
  GATEWAY_UPSTREAM_MARKETPLACE: upstreamUrl(3004, 'marketplace'),
  GATEWAY_ADMIN_TOKEN_FILE: z
    .string()
    .min(1)
    .default('./.mcp-host/admin-token')
    .describe(
      'Where the first admin token is written (mode 0600) on the first start; only its hash is stored.',
    ),
  GATEWAY_UPSTREAM_TIMEOUT_MS: envInt(30_000, 100, 3_600_000).describe(
    'Longest wait for an upstream to answer (headers) or to send the next body chunk; beyond it, 504.',
  ),
  GATEWAY_REQUEST_TIMEOUT_MS: envInt(30_000, 100, 3_600_000).describe(
    'Longest a request the gateway answers itself (authentication included) may take; beyond it, 503 SERVICE_BUSY with Retry-After. Forwarded requests and streams have their own bounds.',
  ),
  GATEWAY_TOKEN_CACHE_MS: envInt(5_000, 0, 300_000).describe(
    'How long a verified API token is trusted without asking the database again; a revocation through this gateway takes effect at once, through another replica within this time. 0 turns the cache off.',
  ),
  SSE_HEARTBEAT_MS: envInt(15_000, 50, 3_600_000).describe(
    'Interval of the `: heartbeat` comment on every SSE stream.',
  ),
  SSE_MAX_BUFFER_BYTES: envInt(256 * 1024, 1024).describe(
    'Unsent bytes an SSE client may fall behind by; beyond it the client gets an `overflow` event and is disconnected.',
  ),
  SSE_REPLAY_BUFFER_BYTES: envInt(8 * 1024 * 1024, 0).describe(
    'Recent records kept per topic in memory, so a reconnecting client resumes without a Kafka replay reader.',
  ),
  SSE_MAX_STREAMS_PER_TOKEN: envInt(20, 1, 100_000).describe(
    'Open SSE streams one token (or OIDC subject) may hold on this gateway; one more is answered 429 with Retry-After.',
  ),
  SSE_MAX_STREAMS: envInt(20_000, 1, 1_000_000).describe(
    'Open SSE streams this gateway holds in all; one more is answered 429 with Retry-After.',
  ),
  RATE_LIMIT_PER_MINUTE: envInt(6_000, 0).describe(
    'Requests per minute each token (or OIDC subject) may make, refilled continuously; 0 turns rate limiting off.',
  ),
  RATE_LIMIT_BURST: envInt(0, 0).describe(
    'Bucket size: requests a caller may make at once after being idle; 0 means RATE_LIMIT_PER_MINUTE / 6 (10 seconds of traffic), at least 1.',
  ),
  AUTH_FAILURES_PER_MINUTE: envInt(60, 0).describe(
    'Failed authentications per minute one client address may make (burst: a third of it, at least 1); beyond it, 429 AUTH_RATE_LIMITED with Retry-After, before any token is looked up. Shared through Redis when REDIS_URL is set. 0 turns it off.',
  ),
  GATEWAY_UNKNOWN_TOKEN_CACHE_MS: envInt(2_000, 0, 60_000).describe(
    'How long an mcph_ token the database does not know is answered 401 without asking it again, so repeating a fake token costs no query.',
  ),
  GATEWAY_METRICS_ACCESS: z
    .enum(['token', 'open', 'off'])
    .default('token')
    .describe(
      "Who may read the gateway's /metrics: `token` needs an API token or OIDC subject with the operator role, `open` anyone who reaches the listener, `off` nobody (404).",
    ),
  REDIS_URL: optionalUrl(
    'When set, rate-limit buckets live in Redis and are shared by every gateway replica; otherwise in memory.',
  ),
  RATE_LIMIT_REDIS_PREFIX: z
    .string()
    .min(1)
    .default('mcp-host:gateway:rl:')
    .describe('Key prefix of the rate-limit buckets in Redis.'),
  OIDC_ISSUER: optionalUrl(
    'When set, JWTs from this issuer are accepted as bearer tokens, checked against its JWKS.',
  ),
  OIDC_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe('The `aud` a JWT must carry; required whenever OIDC_ISSUER is set.'),
  OIDC_ALGORITHMS: z
    .string()
    .default('RS256,ES256')
    .transform((raw, ctx) => {
      const list = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = list.filter((a) => !OIDC_ASYMMETRIC_ALGORITHMS.has(a));
      if (list.length === 0 || bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must list signature algorithms among ${[...OIDC_ASYMMETRIC_ALGORITHMS].join(', ')} (got "${raw}")`,
        });
        return z.NEVER;
      }
      return list;
    })
    .describe(
      'The JWT signature algorithms accepted (comma-separated); only asymmetric ones may be listed, never HS* or none.',
    ),
  OIDC_DISCOVERY_CACHE_MS: envInt(60 * 60_000, 1_000).describe(
    "How long the issuer's discovery document is trusted before it is read again. While the issuer is down, it is asked again after a backoff (1 s doubling to 60 s), not on every request.",
  ),
  OIDC_ROLE_CLAIM: z
    .string()
    .min(1)
    .default('mcp_host_role')
    .describe('The JWT claim holding the role: viewer, operator or admin.'),
  OIDC_JWKS_CACHE_MS: envInt(10 * 60_000, 0).describe(
    'How long fetched signing keys are trusted before the JWKS is read again.',
  ),
  OIDC_JWKS_COOLDOWN_MS: envInt(30_000, 0).describe(
    'Least time between two JWKS fetches; a token with an unknown key id triggers a fetch once this has passed.',
  ),
  OIDC_SUBJECT_CLAIM: z
    .string()
    .min(1)
    .default('sub')
    .describe('The JWT claim naming the caller (the subject services see).'),
  // The kit runs the relay on the service thread by default; the gateway publishes an event per tools/call, so its
  // relay runs on a thread of its own, off the loop that proxies the calls.
  OUTBOX_RELAY_THREAD: z
    .enum(['main', 'worker'])
    .default('worker')
    .describe(
      'Where the outbox relay runs: worker (the gateway default) keeps reading outbox rows and encoding produce requests off the loop that proxies MCP traffic; main runs it there.',
    ),
  MCP_AUDIT_FLUSH_INTERVAL_MS: envInt(250, 10, 60_000).describe(
    'Longest a tools/call audit record waits in memory before its batch is written (rows and mcp.tool.called events in one transaction); a full batch of 500 is written at once. Each batch costs a transaction and a relay round, so a longer wait costs less CPU per call at low rates.',
  ),
};

export type GatewayConfig = BaseConfig & z.infer<z.ZodObject<typeof gatewayConfigShape>>;

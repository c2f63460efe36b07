// Verifies JWTs from OIDC_ISSUER against the issuer's JWKS (found through its discovery document, cached, re-fetched
// when a token names a key it has not seen, so key rotation needs no restart). A claim carries the role.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ROLES, type Role } from '@mcp-host/contracts';
import { ApiException, ConfigError, InjectConfig, InjectLogger } from '@mcp-host/platform';
import type { JWTPayload, createRemoteJWKSet } from 'jose';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import type { Caller } from '../tokens/token.entity';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

// jose is an ES module; it is loaded only when OIDC is configured, so nothing else pays for it.
const loadJose = () => import('jose');

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A jwks_uri the gateway will fetch keys from: https, or http on a loopback address (a test issuer). */
export function jwksUriAllowed(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return (
    u.protocol === 'http:' && (host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))
  );
}

const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

@Injectable()
export class OidcVerifier {
  private keys?: { set: Promise<KeySet>; at: number };
  /** While the issuer is down: no discovery before `until`; `wait` doubles with each failure. */
  private backoff?: { until: number; wait: number };

  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    if (config.OIDC_ISSUER !== undefined && config.OIDC_AUDIENCE === undefined) {
      // Without an audience, a token the issuer minted for any other application would open this one.
      throw new ConfigError('OIDC_AUDIENCE', 'is required when OIDC_ISSUER is set');
    }
  }

  get enabled(): boolean {
    return this.config.OIDC_ISSUER !== undefined;
  }

  looksLikeJwt(token: string): boolean {
    return JWT_SHAPE.test(token);
  }

  async verify(token: string): Promise<Caller> {
    const issuer = this.config.OIDC_ISSUER;
    if (issuer === undefined) throw unauthenticated('The bearer token is not valid.');
    let payload: JWTPayload;
    try {
      const keys = await this.keySet(issuer);
      const { jwtVerify } = await loadJose();
      const { payload: p } = await jwtVerify(token, keys, {
        issuer,
        audience: this.config.OIDC_AUDIENCE,
        algorithms: this.config.OIDC_ALGORITHMS,
        // A token without an expiry would be valid forever once leaked.
        requiredClaims: ['exp'],
      });
      payload = p;
    } catch (err) {
      if (err instanceof ApiException) throw err;
      if ((err as { code?: unknown }).code === 'ERR_JWT_EXPIRED')
        throw unauthenticated('The bearer token has expired.');
      this.logger.debug({ err: (err as Error).message }, 'JWT refused');
      throw unauthenticated('The bearer token is not valid.');
    }
    const subject = payload[this.config.OIDC_SUBJECT_CLAIM];
    if (typeof subject !== 'string' || subject === '') {
      throw unauthenticated(`The token carries no ${this.config.OIDC_SUBJECT_CLAIM} claim.`);
    }
    const role = roleOf(payload[this.config.OIDC_ROLE_CLAIM]);
    if (!role) {
      throw new GatewayException(
        GatewayErrorCode.FORBIDDEN,
        `The token carries no ${this.config.OIDC_ROLE_CLAIM} claim naming viewer, operator or admin.`,
      );
    }
    return {
      tokenId: subjectId(issuer, subject),
      subject,
      role,
      name: typeof payload.name === 'string' ? payload.name : subject,
      apiToken: false,
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }

  /** The issuer's key set, discovered once per OIDC_DISCOVERY_CACHE_MS; while discovery fails, 503 with backoff. */
  private keySet(issuer: string): Promise<KeySet> {
    const now = Date.now();
    if (this.keys && now - this.keys.at < this.config.OIDC_DISCOVERY_CACHE_MS) return this.keys.set;
    if (this.backoff && now < this.backoff.until) {
      return Promise.reject(unavailable(Math.ceil((this.backoff.until - now) / 1000)));
    }
    const previous = this.keys;
    const set = this.discover(issuer).then(
      (keys) => {
        this.backoff = undefined;
        return keys;
      },
      async (err: unknown) => {
        const wait = Math.min(BACKOFF_MAX_MS, this.backoff ? this.backoff.wait * 2 : BACKOFF_FIRST_MS);
        this.backoff = { until: Date.now() + wait, wait };
        this.logger.warn({ err: (err as Error).message, issuer, retryInMs: wait }, 'OIDC discovery failed');
        // A refresh that fails keeps the keys already known: an issuer outage does not lock out valid tokens.
        if (previous) {
          this.keys = { set: previous.set, at: Date.now() - this.config.OIDC_DISCOVERY_CACHE_MS + wait };
          return previous.set;
        }
        this.keys = undefined;
        throw unavailable(Math.ceil(wait / 1000));
      },
    );
    this.keys = { set, at: now };
    return set;
  }

  private async discover(issuer: string): Promise<KeySet> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be exactly the one asked for, or an issuer that
    // serves another's discovery document could have its tokens accepted here.
    if (doc.issuer !== issuer) {
      throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, not the configured ${issuer}`);
    }
    if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} names no jwks_uri`);
    if (!jwksUriAllowed(doc.jwks_uri)) {
      throw new Error(
        `${url} names jwks_uri ${doc.jwks_uri}: keys are fetched over https only (or loopback http)`,
      );
    }
    const { createRemoteJWKSet } = await loadJose();
    return createRemoteJWKSet(new URL(doc.jwks_uri), {
      cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_MS,
      cacheMaxAge: this.config.OIDC_JWKS_CACHE_MS,
    });
  }
}

/** A stable UUID (version 5 layout) for an issuer's subject, so OIDC callers have an id like API tokens do. */
export function subjectId(issuer: string, subject: string): string {
  const h = createHash('sha256').update(`${issuer}\n${subject}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A role claim: one role, or a list of which the highest counts. */
function roleOf(claim: unknown): Role | undefined {
  const values = Array.isArray(claim) ? claim : [claim];
  let best: Role | undefined;
  for (const v of values) {
    if (typeof v !== 'string' || !(ROLES as readonly string[]).includes(v)) continue;
    const role = v as Role;
    if (!best || ROLES.indexOf(role) > ROLES.indexOf(best)) best = role;
  }
  return best;
}

function unauthenticated(message: string): ApiException {
  return new GatewayException(GatewayErrorCode.UNAUTHENTICATED, message);
}

function unavailable(retryAfterS: number): ApiException {
  return new GatewayException(
    GatewayErrorCode.OIDC_UNAVAILABLE,
    'The identity provider could not be reached.',
    undefined,
    { 'retry-after': String(Math.max(1, retryAfterS)) },
  );
}

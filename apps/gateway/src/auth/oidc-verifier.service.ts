// Verifies JWTs from OIDC_ISSUER against the issuer's JWKS (found through its discovery document, cached, re-fetched
// when a token names a key it has not seen, so key rotation needs no restart). A claim carries the role.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ROLES, type Role } from '@mcp-host/contracts';
import { ApiException, InjectConfig, InjectLogger } from '@mcp-host/platform';
import type { JWTPayload, createRemoteJWKSet } from 'jose';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import type { Caller } from '../tokens/token.entity';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

// jose is an ES module; it is loaded only when OIDC is configured, so nothing else pays for it.
const loadJose = () => import('jose');

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

@Injectable()
export class OidcVerifier {
  private keys?: Promise<KeySet>;

  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

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
        ...(this.config.OIDC_AUDIENCE ? { audience: this.config.OIDC_AUDIENCE } : {}),
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
      throw new ApiException(
        403,
        'FORBIDDEN',
        `The token carries no ${this.config.OIDC_ROLE_CLAIM} claim naming viewer, operator or admin.`,
      );
    }
    return {
      tokenId: subjectId(this.config.OIDC_ISSUER ?? '', subject),
      subject,
      role,
      name: typeof payload.name === 'string' ? payload.name : subject,
      apiToken: false,
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }

  private keySet(issuer: string): Promise<KeySet> {
    this.keys ??= this.discover(issuer).catch((err: unknown) => {
      // Not cached: the next request asks the issuer again.
      this.keys = undefined;
      this.logger.warn({ err: (err as Error).message, issuer }, 'OIDC discovery failed');
      throw new ApiException(503, 'OIDC_UNAVAILABLE', 'The identity provider could not be reached.');
    });
    return this.keys;
  }

  private async discover(issuer: string): Promise<KeySet> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
    if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} names no jwks_uri`);
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
  return new ApiException(401, 'UNAUTHENTICATED', message);
}

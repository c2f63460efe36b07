// Who is calling: an `Authorization: Bearer` API token (mcph_…) or, when OIDC is on, a JWT from the issuer.
// Failed attempts cost the caller's address: past AUTH_FAILURES_PER_MINUTE it gets 429 before any lookup, and an
// unknown token is remembered briefly, so neither a flood of fakes nor one fake repeated becomes a flood of queries.
import { Injectable } from '@nestjs/common';
import { ApiException, InjectConfig, InjectLogger, Transactions } from '@mcp-host/platform';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';
import { RateLimiter } from '../limits/rate-limiter.service';
import { tokenSecret } from '../tokens/token-secret';
import { TokenRepository } from '../tokens/token.repository';
import { TokenService } from '../tokens/token.service';
import type { ApiTokenRow, Caller } from '../tokens/token.entity';
import { ShortLivedCache } from '../mcp/short-lived-cache';
import { OidcVerifier } from './oidc-verifier.service';

const TOUCH_EVERY_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

@Injectable()
export class Authenticator {
  private readonly touchedAt = new Map<string, number>();
  /**
   * Token rows by hash (undefined: the database did not know the hash), so a busy caller does not cost a database
   * round trip per request. A row is held for GATEWAY_TOKEN_CACHE_MS and an unknown hash for
   * GATEWAY_UNKNOWN_TOKEN_CACHE_MS. Callers presenting a token that is being read share that read, and past half its
   * age an entry in use is read again in the background, so a busy token never expires under its callers.
   */
  private readonly rows: ShortLivedCache<ApiTokenRow | undefined>;

  constructor(
    private readonly tx: Transactions,
    private readonly repository: TokenRepository,
    private readonly oidc: OidcVerifier,
    private readonly limiter: RateLimiter,
    tokens: TokenService,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.rows = new ShortLivedCache(config.GATEWAY_TOKEN_CACHE_MS, {
      ageOf: (row) => (row ? config.GATEWAY_TOKEN_CACHE_MS : config.GATEWAY_UNKNOWN_TOKEN_CACHE_MS),
    });
    // A revocation through this gateway takes effect at once, not after the cache's lifetime (reads in flight,
    // which may predate it, are dropped too).
    tokens.onRevoke((id) => this.rows.invalidateWhere((row) => row?.id === id));
  }

  /** The caller behind an `Authorization` header from `address`, or 401 (429 once the address failed too often). */
  async authenticate(authorization: string | undefined, address: string): Promise<Caller> {
    this.limiter.assertMayAuthenticate(address);
    try {
      return await this.verify(authorization);
    } catch (err) {
      if (err instanceof ApiException && err.status === 401) await this.limiter.recordFailure(address);
      throw err;
    }
  }

  private async verify(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw unauthenticated('A bearer token is required (Authorization: Bearer mcph_...).');
    const presented = match[1];
    if (!tokenSecret.wellFormed(presented)) {
      if (this.oidc.enabled && this.oidc.looksLikeJwt(presented)) return this.oidc.verify(presented);
      throw unauthenticated('The bearer token is not valid.');
    }
    const row = await this.lookup(tokenSecret.hash(presented));
    if (!row) throw unauthenticated('The bearer token is not valid.');
    if (row.revoked_at) throw unauthenticated('The bearer token has been revoked.');
    if (row.expires_at && row.expires_at.getTime() <= Date.now())
      throw unauthenticated('The bearer token has expired.');
    this.touch(row.id);
    return {
      tokenId: row.id,
      subject: row.owner,
      role: row.role,
      name: row.name,
      apiToken: true,
      ...(row.expires_at ? { expiresAt: row.expires_at.getTime() } : {}),
    };
  }

  private lookup(hash: string): Promise<ApiTokenRow | undefined> {
    return this.rows.get(hash, () => this.tx.read((m) => this.repository.findByHash(m, hash)));
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    remember(this.touchedAt, id, now);
    this.tx
      .read((m) => this.repository.touch(m, id))
      .catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message, tokenId: id }, 'could not record token use');
      });
  }
}

/** Sets `key` in a bounded map: when full, it starts over rather than growing without end. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_MAX_ENTRIES && !map.has(key)) map.clear();
  map.set(key, value);
}

function unauthenticated(message: string): ApiException {
  return new GatewayException(GatewayErrorCode.UNAUTHENTICATED, message);
}

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
import { OidcVerifier } from './oidc-verifier.service';

const TOUCH_EVERY_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

@Injectable()
export class Authenticator {
  private readonly touchedAt = new Map<string, number>();
  /** Verified rows by token hash, so a busy caller does not cost a database round trip per request. */
  private readonly known = new Map<string, { row: ApiTokenRow; at: number }>();
  /** Hashes the database did not know, and when it said so. */
  private readonly unknown = new Map<string, number>();
  /** The read of each hash in flight: callers presenting the same token at once share it. */
  private readonly reading = new Map<string, Promise<ApiTokenRow | undefined>>();
  /** Bumped by each revocation here, so a read that began before it does not put the old row back. */
  private revocations = 0;

  constructor(
    private readonly tx: Transactions,
    private readonly repository: TokenRepository,
    private readonly oidc: OidcVerifier,
    private readonly limiter: RateLimiter,
    tokens: TokenService,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    // A revocation through this gateway takes effect at once, not after the cache's lifetime.
    tokens.onRevoke((id) => {
      this.revocations += 1;
      for (const [hash, hit] of this.known) if (hit.row.id === id) this.known.delete(hash);
      // A caller arriving from now on must not join a read that began before the revocation.
      this.reading.clear();
    });
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

  /**
   * The token's row: from the cache while it is younger than GATEWAY_TOKEN_CACHE_MS, else from the database. Past
   * half its life a cached row is read again in the background, so a busy token is renewed before it expires and
   * its callers never wait for the database; no row older than the cache's lifetime is ever used. Callers
   * presenting the same token while it is read wait for that one read.
   */
  private async lookup(hash: string): Promise<ApiTokenRow | undefined> {
    const now = Date.now();
    const ttl = this.config.GATEWAY_TOKEN_CACHE_MS;
    const hit = this.known.get(hash);
    if (hit && now - hit.at < ttl) {
      if (now - hit.at >= ttl / 2 && !this.reading.has(hash)) {
        this.read(hash).catch((err: unknown) =>
          this.logger.debug({ err: (err as Error).message }, 'token refresh failed; the cached row stays'),
        );
      }
      return hit.row;
    }
    const missAt = this.unknown.get(hash);
    if (missAt !== undefined && now - missAt < this.config.GATEWAY_UNKNOWN_TOKEN_CACHE_MS) return undefined;
    return this.read(hash);
  }

  /** One database read of `hash` at a time; its answer is cached as of when the read began. */
  private read(hash: string): Promise<ApiTokenRow | undefined> {
    const inFlight = this.reading.get(hash);
    if (inFlight) return inFlight;
    const at = Date.now();
    const revocations = this.revocations;
    const read = this.tx
      .read((m) => this.repository.findByHash(m, hash))
      .then((row) => {
        if (row) {
          this.unknown.delete(hash);
          if (this.config.GATEWAY_TOKEN_CACHE_MS > 0 && revocations === this.revocations) {
            remember(this.known, hash, { row, at });
          }
        } else {
          this.known.delete(hash);
          if (this.config.GATEWAY_UNKNOWN_TOKEN_CACHE_MS > 0) remember(this.unknown, hash, at);
        }
        return row;
      })
      .finally(() => {
        if (this.reading.get(hash) === read) this.reading.delete(hash);
      });
    this.reading.set(hash, read);
    return read;
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

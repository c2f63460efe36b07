// Creates, lists, revokes and verifies API tokens.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ApiException,
  InjectConfig,
  InjectLogger,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
} from '@mcp-host/platform';
import type { Logger } from 'pino';
import { OidcVerifier } from '../auth/oidc-verifier.service';
import type { GatewayConfig } from '../gateway.config';
import { tokenSecret } from './token-secret';
import { TokenRepository } from './token.repository';
import type { ApiTokenRow, Caller } from './token.entity';
import type {
  CreateTokenBody,
  CreateTokenResponse,
  Token,
  TokenListQuery,
  TokenListResponse,
  TokenSelf,
} from '@mcp-host/contracts';

const TOUCH_EVERY_MS = 60_000;

@Injectable()
export class TokenService {
  private readonly touchedAt = new Map<string, number>();
  /** Verified rows by token hash, so a busy caller does not cost a database round trip per request. */
  private readonly cache = new Map<string, { row: ApiTokenRow; at: number }>();
  private readonly revokeListeners: ((tokenId: string) => void)[] = [];

  constructor(
    private readonly tx: Transactions,
    private readonly tokens: TokenRepository,
    private readonly oidc: OidcVerifier,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  /** The caller behind an `Authorization: Bearer` header, or a 401. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
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

  private async lookup(hash: string): Promise<ApiTokenRow | undefined> {
    const ttl = this.config.GATEWAY_TOKEN_CACHE_MS;
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < ttl) return hit.row;
    const row = await this.tx.read((m) => this.tokens.findByHash(m, hash));
    if (ttl > 0 && row) {
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(hash, { row, at: now });
    } else {
      this.cache.delete(hash);
    }
    return row;
  }

  async create(body: CreateTokenBody, creator: Caller): Promise<CreateTokenResponse> {
    const token = tokenSecret.generate();
    const row = await this.tx.run((m) =>
      this.tokens.insert(m, {
        id: randomUUID(),
        name: body.name,
        owner: body.owner ?? creator.subject,
        role: body.role,
        token_hash: tokenSecret.hash(token),
        prefix: tokenSecret.displayPrefix(token),
        expires_at: body.expires_at ? new Date(body.expires_at) : null,
      }),
    );
    this.logger.info({ tokenId: row.id, role: row.role, by: creator.tokenId }, 'api token created');
    return { ...toView(row), token };
  }

  async list(query: TokenListQuery): Promise<TokenListResponse> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.tx.read((m) => this.tokens.list(m, query.limit + 1, after));
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      next_cursor: rows.length > query.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }

  async revoke(id: string, by: Caller): Promise<void> {
    const row = await this.tx.run((m) => this.tokens.revoke(m, id));
    for (const [hash, hit] of this.cache) if (hit.row.id === id) this.cache.delete(hash);
    if (!row) throw new ApiException(404, 'TOKEN_NOT_FOUND', `No API token with id ${id}.`);
    for (const listener of this.revokeListeners) listener(id);
    this.logger.info({ tokenId: id, by: by.tokenId }, 'api token revoked');
  }

  /** Called with the id of each token revoked through this gateway (open streams end at once). */
  onRevoke(listener: (tokenId: string) => void): void {
    this.revokeListeners.push(listener);
  }

  /** Of these API token ids, the ones neither revoked nor expired now (asked of the database, not the cache). */
  async activeIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set(await this.tx.read((m) => this.tokens.activeIds(m, ids)));
  }

  self(caller: Caller): TokenSelf {
    return { id: caller.tokenId, name: caller.name, subject: caller.subject, role: caller.role };
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touchedAt.set(id, now);
    this.tx
      .read((m) => this.tokens.touch(m, id))
      .catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message, tokenId: id }, 'could not record token use');
      });
  }
}

export function toView(row: ApiTokenRow): Token {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    role: row.role,
    prefix: row.prefix,
    expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

function unauthenticated(message: string): ApiException {
  return new ApiException(401, 'UNAUTHENTICATED', message);
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c) throw new ApiException(400, 'INVALID_CURSOR', 'The cursor is not one this API returned.');
  return { createdAt: c.key, id: c.id };
}

// Creates, lists and revokes API tokens; auth/ verifies them.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectLogger, Transactions, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import type { Logger } from 'pino';
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
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

@Injectable()
export class TokenService {
  private readonly revokeListeners: ((tokenId: string) => void)[] = [];

  constructor(
    private readonly tx: Transactions,
    private readonly tokens: TokenRepository,
    @InjectLogger() private readonly logger: Logger,
  ) {}

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
    if (!row) throw new GatewayException(GatewayErrorCode.TOKEN_NOT_FOUND, `No API token with id ${id}.`);
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

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new GatewayException(GatewayErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  return { createdAt: c.key, id: c.id };
}

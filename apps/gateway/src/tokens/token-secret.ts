// The token format: `mcph_` + 32 random bytes in base64url; stored as a SHA-256 hex digest, shown by its first 12 characters.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'mcph_';
const TOKEN_SHAPE = /^mcph_[A-Za-z0-9_-]{43}$/;

export const tokenSecret = {
  generate(): string {
    return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  },
  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  },
  displayPrefix(token: string): string {
    return token.slice(0, 12);
  },
  /** Rejects anything that cannot be a token before it costs a database round trip. */
  wellFormed(token: string): boolean {
    return TOKEN_SHAPE.test(token);
  },
};

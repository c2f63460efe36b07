// Internal traffic: a service answers only requests that came through the gateway, which proves it with a shared
// token. Without it, anyone who reaches a service's port could send the identity headers the gateway sets and be
// whoever they claim. The probes and the metrics scrape stay open so orchestrators and Prometheus need no secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { INTERNAL_TOKEN_HEADER } from '@mcp-host/contracts';
import type { BaseConfig } from '../config/config.schema';
import { ConfigError } from '../config/load-config';
import { ApiException } from './api.exception';

/** Paths a service answers without the internal token. */
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

type InternalAuthConfig = Pick<
  BaseConfig,
  'INTERNAL_AUTH_TOKEN' | 'INTERNAL_AUTH_TOKEN_FILE' | 'INTERNAL_AUTH_REQUIRED' | 'NODE_ENV'
>;

/**
 * The internal token from INTERNAL_AUTH_TOKEN or INTERNAL_AUTH_TOKEN_FILE, or undefined when neither is set.
 * Throws ConfigError when both are set, when the file cannot be read or is too short, and when none is set but one
 * is required (INTERNAL_AUTH_REQUIRED, by default in production).
 */
export function internalTokenOf(config: InternalAuthConfig): string | undefined {
  if (config.INTERNAL_AUTH_TOKEN !== undefined && config.INTERNAL_AUTH_TOKEN_FILE !== undefined) {
    throw new ConfigError('INTERNAL_AUTH_TOKEN_FILE', 'may not be set together with INTERNAL_AUTH_TOKEN');
  }
  let token = config.INTERNAL_AUTH_TOKEN;
  if (config.INTERNAL_AUTH_TOKEN_FILE !== undefined) {
    try {
      token = readFileSync(config.INTERNAL_AUTH_TOKEN_FILE, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        'INTERNAL_AUTH_TOKEN_FILE',
        `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    if (token.length < 32) {
      throw new ConfigError('INTERNAL_AUTH_TOKEN_FILE', 'must hold a token of at least 32 characters');
    }
  }
  const required =
    config.INTERNAL_AUTH_REQUIRED !== undefined
      ? config.INTERNAL_AUTH_REQUIRED === 'true'
      : config.NODE_ENV === 'production';
  if (token === undefined && required) {
    throw new ConfigError(
      'INTERNAL_AUTH_TOKEN',
      'is required in distributed mode (NODE_ENV=production or INTERNAL_AUTH_REQUIRED=true): set it, or INTERNAL_AUTH_TOKEN_FILE, to the secret the gateway shares with the services',
    );
  }
  return token;
}

/** Checks the internal token of each request in constant time; built once per service. */
export class InternalAuthCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** The refusal for a request to `url` carrying `presented`, or undefined when it may pass. */
  refusal(url: string, presented: string | string[] | undefined): ApiException | undefined {
    const q = url.indexOf('?');
    if (OPEN_PATHS.has(q === -1 ? url : url.slice(0, q))) return undefined;
    if (typeof presented === 'string' && timingSafeEqual(digest(presented), this.expected)) return undefined;
    return new ApiException(
      401,
      'INTERNAL_AUTH_REQUIRED',
      'This service answers only the gateway: the request carries no valid internal token. Call it through the gateway.',
    );
  }
}

/** Equal-length digests, so the comparison takes the same time whatever the presented token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export { INTERNAL_TOKEN_HEADER };

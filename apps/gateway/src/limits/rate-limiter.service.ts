// Per-caller token buckets: in Redis (one atomic Lua script per request, shared by every replica) when REDIS_URL is set,
// in this process otherwise. A caller over its budget gets 429 with Retry-After.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig, InjectLogger } from '@mcp-host/platform';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is back, when refused. */
  retryAfterS: number;
}

// KEYS[1] bucket; ARGV: capacity, refill per ms, now ms, ttl ms. Returns { allowed, tokens*1000, wait ms }.
// The clock is the caller's, so replicas must keep time; Redis TIME would cost a call per request in scripts.
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = capacity; at = now end
if now > at then tokens = math.min(capacity, tokens + (now - at) * rate); at = now end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], ttl)
return { allowed, math.floor(tokens * 1000), wait }
`;

/** 429 RATE_LIMITED with Retry-After. */
export class RateLimitedException extends GatewayException {
  constructor(
    readonly retryAfterS: number,
    perMinute: number,
  ) {
    super(
      GatewayErrorCode.RATE_LIMITED,
      `Too many requests; ${perMinute} per minute are allowed. Retry after ${retryAfterS} s.`,
      undefined,
      { 'retry-after': String(retryAfterS) },
    );
  }
}

/** 429 AUTH_RATE_LIMITED with Retry-After: this address failed to authenticate too often. */
export class AuthRateLimitedException extends GatewayException {
  constructor(readonly retryAfterS: number) {
    super(
      GatewayErrorCode.AUTH_RATE_LIMITED,
      `Too many failed authentications from this address. Retry after ${retryAfterS} s.`,
      undefined,
      { 'retry-after': String(retryAfterS) },
    );
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

type BucketRedis = Redis & {
  mcpTokenBucket(key: string, ...args: (string | number)[]): Promise<[number, number, number]>;
};

/** One family of token buckets (a capacity and a refill rate), in Redis when given one, else in this process. */
class BucketSet {
  /** Tokens per millisecond. */
  private readonly rate: number;
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = Date.now();

  constructor(
    private readonly capacity: number,
    perMinute: number,
    private readonly prefix: string,
    private readonly redis: () => BucketRedis | undefined,
    private readonly logger: Logger,
  ) {
    this.rate = perMinute / 60_000;
  }

  async take(key: string): Promise<RateDecision> {
    const redis = this.redis();
    return redis ? this.takeRedis(redis, key) : this.takeMemory(key, Date.now());
  }

  takeMemory(key: string, now: number): RateDecision {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.capacity, at: now };
      this.buckets.set(key, b);
    }
    if (now > b.at) {
      b.tokens = Math.min(this.capacity, b.tokens + (now - b.at) * this.rate);
      b.at = now;
    }
    this.sweep(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens), retryAfterS: 0 };
    }
    return {
      allowed: false,
      remaining: 0,
      retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / this.rate / 1000)),
    };
  }

  private async takeRedis(redis: BucketRedis, key: string): Promise<RateDecision> {
    const ttlMs = Math.ceil(this.capacity / this.rate) + 1_000;
    try {
      const [allowed, tokensMilli, waitMs] = await redis.mcpTokenBucket(
        `${this.prefix}${key}`,
        this.capacity,
        this.rate,
        Date.now(),
        ttlMs,
      );
      return {
        allowed: allowed === 1,
        remaining: Math.floor(tokensMilli / 1000),
        retryAfterS: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
      };
    } catch (err) {
      // Redis down must not take the API down: fall back to this replica's own buckets.
      this.logger.warn({ err: (err as Error).message }, 'rate limit falls back to memory: redis unavailable');
      return this.takeMemory(key, Date.now());
    }
  }

  /** Drops full buckets now and then, so idle callers do not accumulate. */
  private sweep(now: number): void {
    if (now - this.sweepAt < 60_000) return;
    this.sweepAt = now;
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.rate >= this.capacity) this.buckets.delete(k);
    }
  }
}

@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly requests: BucketSet;
  private readonly failures: BucketSet;
  /** Addresses whose failure budget ran out, until when: checked before any token is looked up. */
  private readonly blockedUntil = new Map<string, number>();
  private redis?: BucketRedis;

  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    const perMinute = config.RATE_LIMIT_PER_MINUTE;
    const failuresPerMinute = config.AUTH_FAILURES_PER_MINUTE;
    if ((perMinute > 0 || failuresPerMinute > 0) && config.REDIS_URL) {
      const redis = new Redis(config.REDIS_URL, {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
      });
      redis.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'rate-limit redis error'));
      redis.defineCommand('mcpTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
      this.redis = redis as BucketRedis;
    }
    this.requests = new BucketSet(
      config.RATE_LIMIT_BURST > 0 ? config.RATE_LIMIT_BURST : Math.max(1, Math.floor(perMinute / 6)),
      perMinute,
      config.RATE_LIMIT_REDIS_PREFIX,
      () => this.redis,
      logger,
    );
    this.failures = new BucketSet(
      Math.max(1, Math.floor(failuresPerMinute / 3)),
      failuresPerMinute,
      `${config.RATE_LIMIT_REDIS_PREFIX}auth-fail:`,
      () => this.redis,
      logger,
    );
  }

  get enabled(): boolean {
    return this.config.RATE_LIMIT_PER_MINUTE > 0;
  }

  get backend(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  /** Takes one token for `key`, or throws 429 RATE_LIMITED with the seconds to wait. */
  async consume(key: string): Promise<RateDecision> {
    if (!this.enabled) return { allowed: true, remaining: Infinity, retryAfterS: 0 };
    const decision = await this.requests.take(key);
    if (!decision.allowed) {
      throw new RateLimitedException(decision.retryAfterS, this.config.RATE_LIMIT_PER_MINUTE);
    }
    return decision;
  }

  /**
   * Throws 429 AUTH_RATE_LIMITED when `address` spent its failure budget; otherwise returns at once. Costs a map
   * lookup, so a flood of bad tokens from one address is refused before any of them reaches the database.
   */
  assertMayAuthenticate(address: string): void {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return;
    const now = Date.now();
    if (now >= until) {
      this.blockedUntil.delete(address);
      return;
    }
    throw new AuthRateLimitedException(Math.max(1, Math.ceil((until - now) / 1000)));
  }

  /** Counts one failed authentication from `address`; the one that exhausts the budget starts the block. */
  async recordFailure(address: string): Promise<void> {
    if (this.config.AUTH_FAILURES_PER_MINUTE <= 0) return;
    const decision = await this.failures.take(address);
    if (decision.allowed) return;
    if (this.blockedUntil.size >= 100_000) this.blockedUntil.clear();
    this.blockedUntil.set(address, Date.now() + decision.retryAfterS * 1000);
    this.logger.warn({ address, retryAfterS: decision.retryAfterS }, 'authentication failures over budget');
    throw new AuthRateLimitedException(decision.retryAfterS);
  }

  async onApplicationShutdown(): Promise<void> {
    const r = this.redis;
    this.redis = undefined;
    if (r) await r.quit().catch(() => r.disconnect());
  }
}

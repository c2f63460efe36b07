// The variables every service shares, with the spec's defaults; each service extends this schema with its own.
import { z } from 'zod';

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);
const FALSE_VALUES = new Set(['0', 'false', 'no', 'off', '']);

/** A boolean written as an environment string: true/false, 1/0, yes/no, on/off. */
export const envBoolean = (defaultValue: boolean) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return defaultValue;
      const v = raw.trim().toLowerCase();
      if (TRUE_VALUES.has(v)) return true;
      if (FALSE_VALUES.has(v)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false (got "${raw}")` });
      return z.NEVER;
    });

/** A whole number written as an environment string, within [min, max]. */
export const envInt = (defaultValue: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') {
        if (defaultValue !== undefined) return defaultValue;
        ctx.addIssue({ code: 'custom', message: 'is required' });
        return z.NEVER;
      }
      const n = Number(raw.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max} (got "${raw}")`,
        });
        return z.NEVER;
      }
      return n;
    });

/** A comma-separated list; blank entries are dropped. */
export const envList = (defaultValue: string[]) =>
  z
    .string()
    .optional()
    .transform((raw) =>
      raw === undefined || raw.trim() === ''
        ? defaultValue
        : raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const baseConfigShape = {
  BIND_ADDRESS: z.string().min(1).default('0.0.0.0').describe('Address the HTTP server listens on.'),
  BIND_PORT: envInt(3000, 0, 65535).describe('Port the HTTP server listens on.'),
  ALLOW_MIGRATION_FAILURE: envBoolean(false).describe(
    'When true, boot continues (with a loud warning) even if database migrations fail.',
  ),
  DATABASE_URL: z
    .string()
    .default('postgres://postgres@127.0.0.1:5432/mcp_host')
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL')
    .describe('PostgreSQL connection URL; each service uses its own schema in it.'),
  DATABASE_POOL_SIZE: envInt(10, 1, 200).describe('Connections in the service pool.'),
  KAFKA_BROKERS: envList(['127.0.0.1:9092']).describe('Comma-separated Kafka bootstrap brokers.'),
  KAFKA_CLIENT_ID: z.string().optional().describe('Kafka client id; defaults to the service name.'),
  KAFKA_CONSUMER_GROUP: z
    .string()
    .optional()
    .describe('Consumer group id; defaults to mcp-host.<service>. Replicas of a service share it.'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info').describe('pino log level.'),
  EVENT_MAX_ATTEMPTS: envInt(5, 1, 100).describe(
    'Times a consumer tries to apply an event before it goes to the dead-letter topic.',
  ),
  OUTBOX_RELAY_ENABLED: envBoolean(true).describe('Run the outbox relay in this process.'),
  OUTBOX_RELAY_THREAD: z
    .enum(['main', 'worker'])
    .default('main')
    .describe(
      'Where the outbox relay runs: on the service thread (main) or on a worker thread of its own with its own pg pool and Kafka producer (worker), which keeps its reads and produce requests off the request loop.',
    ),
  EVENT_CONSUMER_ENABLED: envBoolean(true).describe('Run the event consumer in this process.'),
  KAFKA_SESSION_TIMEOUT_MS: envInt(10000, 1000, 300000).describe(
    'Consumer group session timeout; a member silent this long is rebalanced out.',
  ),
  OUTBOX_BATCH_SIZE: envInt(500, 1, 10000).describe('Events the outbox relay publishes per Kafka request.'),
  OUTBOX_POLL_INTERVAL_MS: envInt(1000, 10, 60000).describe(
    'Longest wait between outbox scans when no NOTIFY arrives.',
  ),
  HTTP_BODY_LIMIT_BYTES: envInt(1024 * 1024, 1024).describe(
    'Largest accepted request body; larger gets 413.',
  ),
  HTTP_TRUST_PROXY: envBoolean(false).describe(
    'Trust X-Forwarded-* headers (only behind a proxy you run); off, a client cannot choose its own address.',
  ),
  DATABASE_ACQUIRE_TIMEOUT_MS: envInt(5000, 100, 600000).describe(
    'Longest wait for a free pool connection; past it the request gets 503 SERVICE_BUSY.',
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: envInt(15000, 100, 3600000).describe(
    'statement_timeout on every connection of the service; a longer query is cancelled (503 SERVICE_BUSY).',
  ),
  DATABASE_LOCK_TIMEOUT_MS: envInt(5000, 100, 3600000).describe(
    'lock_timeout on every connection; a longer wait for a row lock is cancelled (503 SERVICE_BUSY).',
  ),
  HTTP_REQUEST_TIMEOUT_MS: envInt(30000, 100, 3600000).describe(
    'Longest time a request may take inside the service; past it the answer is 503 SERVICE_BUSY.',
  ),
  KAFKA_MAX_BATCH_BYTES: envInt(900 * 1024, 16 * 1024, 64 * 1024 * 1024).describe(
    'Largest Kafka produce batch the outbox relay sends; kept under the broker message.max.bytes.',
  ),
  EVENT_MAX_BYTES: envInt(512 * 1024, 1024, 64 * 1024 * 1024).describe(
    'Largest event payload; a write whose event is larger is refused with 413 EVENT_TOO_LARGE.',
  ),
  SHUTDOWN_DRAIN_MS: envInt(5_000, 0, 300_000).describe(
    'On shutdown, how long requests still in flight get to finish before their connections are closed.',
  ),
  INBOX_RETENTION_HOURS: envInt(168, 1, 87600).describe(
    'How long applied event ids are kept for deduplication; keep it longer than topic retention.',
  ),
  INTERNAL_AUTH_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)')
    .optional()
    .describe(
      'Shared secret the gateway sends to the services with every forwarded request; a service refuses any request without it (only /healthz, /readyz and /metrics are open). The standalone host generates one per start.',
    ),
  INTERNAL_AUTH_TOKEN_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A file holding INTERNAL_AUTH_TOKEN (a mounted secret); read once at start, surrounding whitespace ignored.',
    ),
  INTERNAL_AUTH_REQUIRED: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'Refuse to start without an internal token. Defaults to true when NODE_ENV=production (distributed mode, as the images run) and false otherwise.',
    ),
  NODE_ENV: z
    .string()
    .optional()
    .describe('production turns on the distributed-mode defaults (INTERNAL_AUTH_REQUIRED).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .optional()
    .describe('When set, traces are exported over OTLP/HTTP to this endpoint.'),
};

export const baseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.infer<typeof baseConfigSchema>;

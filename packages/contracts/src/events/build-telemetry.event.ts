// `build.telemetry`: one registry usage metric (log target `registry.push`), the payload pinned by the spec's telemetry contract.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const REGISTRY_TELEMETRY_EVENTS = [
  'tag_started',
  'tag_succeeded',
  'tag_failed',
  'push_started',
  'push_succeeded',
  'push_failed',
  'push_retry',
  'auth_health_reported',
  'auth_rotation_started',
  'auth_rotation_succeeded',
  'auth_rotation_failed',
  'auth_rotation_skipped',
  'auth_refresh_started',
  'auth_refresh_succeeded',
  'auth_refresh_failed',
  'manifest_published',
  'manifest_prune_started',
  'manifest_prune_succeeded',
  'manifest_prune_failed',
  'build_started',
  'build_succeeded',
  'build_failed',
] as const;

export const registryTelemetryEventSchema = z.enum(REGISTRY_TELEMETRY_EVENTS);
export type RegistryTelemetryEvent = z.infer<typeof registryTelemetryEventSchema>;

export const REGISTRY_TELEMETRY_TARGET = 'registry.push';

// Loose on purpose: dashboards read extra keys from `details` (stored as JSONB), so unknown keys pass through.
export const registryTelemetryDetailsSchema = z.looseObject({
  /** 0 for failures before the push stream opened, then 1..retry_limit. */
  attempt: z.int().min(0),
  retry_limit: z.int().min(0),
  registry_endpoint: z.string(),
  error_kind: z.string().nullable(),
  auth_expired: z.boolean(),
  /** e.g. `linux/amd64`; the aggregate manifest events use the platform list joined by commas. */
  platform: z.string(),
  reason: z.string().optional(),
  error: z.string().optional(),
  image: z.string().optional(),
  /** Derived registry scopes, `repository:<image>:push` / `:pull`. */
  scopes: z.array(z.string()).optional(),
  digest: z.string().optional(),
  architectures: z.array(z.string()).optional(),
  status: z.string().optional(),
  expires_at: z.string().nullable().optional(),
  rotation_recommended: z.boolean().optional(),
  rotation_configured: z.boolean().optional(),
  seconds_until_expiry: z.number().nullable().optional(),
  target: z.literal(REGISTRY_TELEMETRY_TARGET).optional(),
});
export type RegistryTelemetryDetails = z.infer<typeof registryTelemetryDetailsSchema>;

export const buildTelemetrySchema = z.object({
  id: uuidSchema.optional(),
  server_id: uuidSchema,
  build_id: uuidSchema.nullable(),
  event: registryTelemetryEventSchema,
  details: registryTelemetryDetailsSchema,
  recorded_at: timestampSchema.optional(),
});
export type BuildTelemetry = z.infer<typeof buildTelemetrySchema>;

export const buildTelemetryEvent = defineEvent({
  type: 'build.telemetry',
  topic: TOPICS.buildTelemetry.name,
  schema: buildTelemetrySchema,
  key: (p) => p.server_id,
  description:
    'A registry usage metric: tagging, push attempts and retries, credential health/refresh/rotation, manifest publish and prune.',
});

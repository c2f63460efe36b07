// REST bodies of builds, artifacts and registry metrics (build-service).
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { buildTelemetrySchema } from '../events/build-telemetry.event';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

export const startBuildBodySchema = z.object({
  /** Overrides the server's branch for this build only. */
  source_branch: z.string().min(1).optional(),
  source_revision: z.string().min(1).optional(),
  /** Overrides REGISTRY_ARCH_TARGETS for this build only. */
  platforms: z.array(z.string().min(1)).min(1).optional(),
  no_cache: z.boolean().optional(),
});
export type StartBuildBody = z.infer<typeof startBuildBodySchema>;

export const BUILD_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

export const buildRunSchema = z.object({
  id: uuidSchema,
  server_id: uuidSchema,
  status: z.enum(BUILD_STATUSES),
  platforms: z.array(z.string()),
  artifact_run_id: uuidSchema.nullable(),
  error: z.string().nullable(),
  started_at: timestampSchema,
  completed_at: timestampSchema.nullable(),
});
export type BuildRun = z.infer<typeof buildRunSchema>;

/** One row of `GET /api/servers/:id/metrics` and one SSE `data` of its stream: the telemetry event, raw details. */
export const metricSchema = buildTelemetrySchema.extend({ id: uuidSchema, recorded_at: timestampSchema });
export type Metric = z.infer<typeof metricSchema>;

export const metricsQuerySchema = z.object({
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
  event: z.string().min(1).optional(),
});
export type MetricsQuery = z.infer<typeof metricsQuerySchema>;

// REST bodies of builds, artifacts and registry metrics (build-service).
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { buildTelemetrySchema } from '../events/build-telemetry.event';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';
import { multilineText, queryText, text } from '../input.schema';

export const startBuildBodySchema = z.object({
  /**
   * Overrides the server's git repository for this build only: `https://`, `ssh://` or scp-like `user@host:path`
   * (local paths and `file://` only where the service allows them). Credentials in it are never used or kept.
   */
  source_repository: text('url').optional(),
  /** Overrides the server's branch for this build only. */
  source_branch: text('path').optional(),
  /** A commit (or tag) on the branch to build instead of its head. */
  source_revision: text('name').optional(),
  /**
   * An uploaded build context instead of a git source: a tar or tar.gz archive, base64-encoded.
   * Entries with `..` paths, absolute paths or links leading outside the context are refused (400).
   */
  context_archive: z.base64().min(1).optional(),
  /** Overrides the server's Dockerfile path, relative to the context root. */
  dockerfile_path: text('path').optional(),
  /** Docker build args (`ARG` values). */
  build_args: z
    .record(text('name'), multilineText())
    .refine((r) => Object.keys(r).length <= 100, 'at most 100 build args')
    .optional(),
  /** Overrides REGISTRY_ARCH_TARGETS for this build only, e.g. `linux/amd64`. */
  platforms: z.array(text('name')).min(1).max(16).optional(),
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
  /** `git` or `archive`. */
  source_kind: z.enum(['git', 'archive']),
  source_repository: z.string().nullable(),
  source_branch: z.string().nullable(),
  /** The commit that was built (resolved from the branch head when none was asked for). */
  source_revision: z.string().nullable(),
  /** `<REGISTRY_URL>/<server name>:<tag>` once known. */
  registry_image: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  /** The failing stage when `failed`: clone, build, tag, push, manifest, auth. */
  stage: z.string().nullable(),
  error_kind: z.string().nullable(),
  error: z.string().nullable(),
  /** Who asked for the build (the caller's subject), when known. */
  requested_by: z.string().nullable().optional(),
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
  event: queryText('name').optional(),
});
export type MetricsQuery = z.infer<typeof metricsQuerySchema>;

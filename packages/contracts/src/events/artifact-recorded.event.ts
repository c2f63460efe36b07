// `artifact.recorded`: a row of the artifact ledger (build_artifact_runs with its build_artifact_platforms).
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const artifactPlatformSchema = z.object({
  platform: z.string(),
  remote_image: z.string(),
  digest: digestSchema.nullable(),
  auth_refresh_attempted: z.boolean(),
  auth_refresh_succeeded: z.boolean(),
  auth_rotation_attempted: z.boolean(),
  auth_rotation_succeeded: z.boolean(),
  credential_health_status: z.string(),
});
export type ArtifactPlatform = z.infer<typeof artifactPlatformSchema>;

export const artifactRunSchema = z.object({
  /** The build_artifact_runs id, a.k.a. artifact run id. */
  id: uuidSchema,
  server_id: uuidSchema,
  build_id: uuidSchema.nullable(),
  source_repo: z.string(),
  source_branch: z.string(),
  source_revision: z.string().nullable(),
  local_image: z.string(),
  registry_image: z.string(),
  manifest_tag: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  started_at: timestampSchema,
  completed_at: timestampSchema,
  multi_arch: z.boolean(),
  auth_refresh_attempted: z.boolean(),
  auth_refresh_succeeded: z.boolean(),
  auth_rotation_attempted: z.boolean(),
  auth_rotation_succeeded: z.boolean(),
  credential_health_status: z.string(),
  /** `succeeded` today; a string, not an enum, because the spec reserves richer states. */
  status: z.string().min(1),
  platforms: z.array(artifactPlatformSchema),
});
export type ArtifactRun = z.infer<typeof artifactRunSchema>;

export const artifactRecordedEvent = defineEvent({
  type: 'artifact.recorded',
  topic: TOPICS.artifactRuns.name,
  schema: artifactRunSchema,
  key: (p) => p.server_id,
  description:
    'A build artifact run was recorded in the ledger, with its per-platform images and credential outcomes.',
});

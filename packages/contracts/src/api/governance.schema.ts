// REST bodies of governance workflows/runs, promotions, trust registry, remediation and the lifecycle console.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { governanceRunStatusSchema, governanceWorkflowKindSchema } from '../events/governance.schema';
import { remediationRunStatusSchema } from '../events/remediation.schema';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

export const createWorkflowBodySchema = z.object({
  name: z.string().min(1).max(128),
  kind: governanceWorkflowKindSchema,
  tier: z.string().min(1),
  description: z.string().nullable().optional(),
  steps: z.array(z.object({ name: z.string().min(1), description: z.string().nullable().optional() })).min(1),
});
export type CreateWorkflowBody = z.infer<typeof createWorkflowBodySchema>;

export const startWorkflowRunBodySchema = z.object({
  artifact_run_id: uuidSchema.optional(),
  manifest_digest: digestSchema.optional(),
  /** Defaults to the workflow's tier. */
  tier: z.string().min(1).optional(),
  context: jsonObjectSchema.optional(),
});
export type StartWorkflowRunBody = z.infer<typeof startWorkflowRunBodySchema>;

export const transitionRunBodySchema = z.object({
  status: governanceRunStatusSchema,
  /** Moves one step instead of the whole run. */
  step_position: z.int().min(0).optional(),
  note: z.string().optional(),
  /** Optimistic locking token; a stale one answers 409. */
  version: z.int().min(1).optional(),
});
export type TransitionRunBody = z.infer<typeof transitionRunBodySchema>;

export const createPromotionTrackBodySchema = z.object({
  name: z.string().min(1).max(128),
  /** Ordered stage names; promotions must follow this order. */
  stages: z.array(z.string().min(1)).min(1),
  workflow_id: uuidSchema.nullable().optional(),
  /** Stage → runtime tier; a stage not listed targets the tier of the same name. */
  stage_tiers: z.record(z.string(), z.string()).optional(),
});
export type CreatePromotionTrackBody = z.infer<typeof createPromotionTrackBodySchema>;

export const schedulePromotionBodySchema = z.object({
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  stage: z.string().min(1),
  artifact_run_id: uuidSchema.optional(),
  note: z.string().optional(),
});
export type SchedulePromotionBody = z.infer<typeof schedulePromotionBodySchema>;

export const approvePromotionBodySchema = z.object({ note: z.string().optional() });
export type ApprovePromotionBody = z.infer<typeof approvePromotionBodySchema>;

export const promotionHistoryQuerySchema = z.object({
  track_id: uuidSchema.optional(),
  manifest_digest: digestSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type PromotionHistoryQuery = z.infer<typeof promotionHistoryQuerySchema>;

// Query strings carry booleans as text; only `true`/`false` are accepted.
const booleanQuerySchema = z.enum(['true', 'false']).transform((value) => value === 'true');

export const trustRegistryQuerySchema = z.object({
  server_id: uuidSchema.optional(),
  lifecycle: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  /** `true` for --stale, `false` for --fresh. */
  stale: booleanQuerySchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type TrustRegistryQuery = z.infer<typeof trustRegistryQuerySchema>;

export const trustTransitionBodySchema = z.object({
  status: z.string().min(1),
  lifecycle_state: z.string().min(1),
  /** The version the caller last read (`--expected-version`); a stale one answers 409. */
  expected_version: z.int().min(1).optional(),
  remediation_state: z.string().min(1).nullable().optional(),
  provenance: jsonObjectSchema.optional(),
  reason: z.string().optional(),
});
export type TrustTransitionBody = z.infer<typeof trustTransitionBodySchema>;

export const remediationRunsQuerySchema = z.object({
  instance_id: uuidSchema.optional(),
  status: remediationRunStatusSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type RemediationRunsQuery = z.infer<typeof remediationRunsQuerySchema>;

export const enqueueRemediationBodySchema = z.object({
  instance_id: uuidSchema,
  playbook: z.string().min(1),
  metadata: jsonObjectSchema.optional(),
  payload: jsonObjectSchema.optional(),
  owner: z.string().min(1).optional(),
});
export type EnqueueRemediationBody = z.infer<typeof enqueueRemediationBodySchema>;

export const approveRemediationBodySchema = z.object({
  approval_state: z.enum(['approved', 'rejected']),
  /** Optimistic locking token; a stale one answers 409. */
  version: z.int().min(1),
  notes: z.string().optional(),
});
export type ApproveRemediationBody = z.infer<typeof approveRemediationBodySchema>;

export const lifecycleQuerySchema = z.object({
  lifecycle_state: z.string().min(1).optional(),
  owner_id: z.string().min(1).optional(),
  promotion_lane: z.string().min(1).optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type LifecycleQuery = z.infer<typeof lifecycleQuerySchema>;

export const governanceRunsQuerySchema = z.object({
  workflow_id: uuidSchema.optional(),
  status: governanceRunStatusSchema.optional(),
  since: timestampSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type GovernanceRunsQuery = z.infer<typeof governanceRunsQuerySchema>;

// REST bodies of governance workflows/runs, promotions, trust registry, remediation and the lifecycle console.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import {
  GOVERNANCE_RUN_STATUSES,
  GOVERNANCE_STEP_STATUSES,
  governanceRunStatusSchema,
  governanceWorkflowKindSchema,
  type GovernanceRunStatus,
  type GovernanceStepStatus,
} from '../events/governance.schema';
import { promotionStatusSchema } from '../events/promotion.schema';
import {
  boundedJsonObjectSchema,
  multilineText,
  pgInt,
  queryText,
  text,
  versionSchema,
} from '../input.schema';
import { remediationRunStatusSchema } from '../events/remediation.schema';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

/** A name that is not only whitespace. */
const nameText = () => text('name').refine((v) => v.trim() !== '', { message: 'must not be blank' });

export const createWorkflowBodySchema = z.object({
  name: nameText(),
  kind: governanceWorkflowKindSchema.default('promotion'),
  tier: text('name'),
  description: multilineText().nullable().optional(),
  steps: z
    .array(
      z.object({
        name: nameText(),
        /** What the step does when a run reaches it, e.g. `approve` or `redeploy`. */
        action: text('label').nullable().optional(),
        description: multilineText().nullable().optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type CreateWorkflowBody = z.infer<typeof createWorkflowBodySchema>;

export const workflowListQuerySchema = z.object({
  tier: queryText('name').optional(),
  kind: governanceWorkflowKindSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type WorkflowListQuery = z.infer<typeof workflowListQuerySchema>;

export const startWorkflowRunBodySchema = z
  .object({
    artifact_run_id: uuidSchema.optional(),
    manifest_digest: digestSchema.optional(),
    /** Defaults to the workflow's tier. */
    tier: text('name').optional(),
    context: boundedJsonObjectSchema.optional(),
    /** The held runtime placement this run certifies; its completion asks the runtime to redeploy it. */
    policy_decision_id: uuidSchema.optional(),
  })
  .refine((b) => b.artifact_run_id !== undefined || b.manifest_digest !== undefined, {
    message: 'a run needs an artifact_run_id, a manifest_digest or both',
    path: ['manifest_digest'],
  });
export type StartWorkflowRunBody = z.infer<typeof startWorkflowRunBodySchema>;

/** Every status a transition may name: run statuses, plus `skipped`, which only a step can take. */
export const GOVERNANCE_TRANSITION_STATUSES = [
  ...new Set([...GOVERNANCE_RUN_STATUSES, ...GOVERNANCE_STEP_STATUSES]),
] as [GovernanceRunStatus | GovernanceStepStatus, ...(GovernanceRunStatus | GovernanceStepStatus)[]];

export const transitionRunBodySchema = z.object({
  status: z.enum(GOVERNANCE_TRANSITION_STATUSES),
  /** Moves one step instead of the whole run. */
  step_position: pgInt(0).optional(),
  note: multilineText().optional(),
  /** Optimistic locking token; a stale one answers 409. */
  version: versionSchema.optional(),
});
export type TransitionRunBody = z.infer<typeof transitionRunBodySchema>;

/** How many distinct approvers a stage needs, and how many of them must hold `role`. */
export const stageApprovalSchema = z
  .object({
    required: pgInt(0).max(50),
    role: z.enum(['viewer', 'operator', 'admin']).optional(),
    /** Defaults to 1 when `role` is set. */
    with_role: pgInt(1).max(50).optional(),
  })
  .refine((a) => (a.with_role ?? (a.role ? 1 : 0)) <= a.required, {
    message: 'with_role cannot exceed required',
  })
  .refine((a) => a.with_role === undefined || a.role !== undefined, {
    message: 'with_role needs a role',
  });
export type StageApproval = z.infer<typeof stageApprovalSchema>;

export const createPromotionTrackBodySchema = z
  .object({
    name: nameText(),
    /** Ordered stage names; promotions must follow this order. */
    stages: z.array(text('name')).min(1).max(20),
    /** The workflow every promotion on this track runs, unless its stage names another. */
    workflow_id: uuidSchema.nullable().optional(),
    /** Stage → workflow, overriding `workflow_id` for that stage. */
    stage_workflows: z.record(text('name'), uuidSchema).optional(),
    /** Stage → runtime tier; a stage not listed targets the tier of the same name. */
    stage_tiers: z.record(text('name'), text('name')).optional(),
    /** Stage → approvals it needs before a promotion there can become active. */
    stage_approvals: z.record(text('name'), stageApprovalSchema).optional(),
    description: multilineText().nullable().optional(),
  })
  .refine((t) => new Set(t.stages).size === t.stages.length, {
    message: 'stage names must be distinct',
    path: ['stages'],
  })
  .refine(
    (t) =>
      [t.stage_workflows, t.stage_tiers, t.stage_approvals].every((m) =>
        Object.keys(m ?? {}).every((k) => t.stages.includes(k)),
      ),
    { message: 'stage_workflows, stage_tiers and stage_approvals may only name stages of the track' },
  );
export type CreatePromotionTrackBody = z.infer<typeof createPromotionTrackBodySchema>;

export const promotionTrackListQuerySchema = z.object({
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type PromotionTrackListQuery = z.infer<typeof promotionTrackListQuerySchema>;

export const schedulePromotionBodySchema = z.object({
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  stage: text('name'),
  artifact_run_id: uuidSchema.optional(),
  note: multilineText().optional(),
});
export type SchedulePromotionBody = z.infer<typeof schedulePromotionBodySchema>;

export const approvePromotionBodySchema = z.object({
  note: multilineText().optional(),
  /** Optimistic locking token; a stale one answers 409. */
  version: versionSchema.optional(),
});
export type ApprovePromotionBody = z.infer<typeof approvePromotionBodySchema>;

export const rejectPromotionBodySchema = z.object({
  note: multilineText().optional(),
  version: versionSchema.optional(),
});
export type RejectPromotionBody = z.infer<typeof rejectPromotionBodySchema>;

export const rollbackPromotionBodySchema = z.object({
  track_id: uuidSchema,
  stage: text('name'),
  note: multilineText().optional(),
});
export type RollbackPromotionBody = z.infer<typeof rollbackPromotionBodySchema>;

export const liftPromotionBlockBodySchema = z.object({ note: multilineText().optional() });
export type LiftPromotionBlockBody = z.infer<typeof liftPromotionBlockBodySchema>;

export const promotionHistoryQuerySchema = z.object({
  track_id: uuidSchema.optional(),
  manifest_digest: digestSchema.optional(),
  stage: queryText('name').optional(),
  status: promotionStatusSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type PromotionHistoryQuery = z.infer<typeof promotionHistoryQuerySchema>;

export const promotionBlocksQuerySchema = z.object({
  track_id: uuidSchema.optional(),
  manifest_digest: digestSchema.optional(),
  /** `true` (default) lists blocks still in force, `false` lifted ones too. */
  active: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type PromotionBlocksQuery = z.infer<typeof promotionBlocksQuerySchema>;

// Query strings carry booleans as text; only `true`/`false` are accepted.
const booleanQuerySchema = z.enum(['true', 'false']).transform((value) => value === 'true');

export const trustRegistryQuerySchema = z.object({
  server_id: uuidSchema.optional(),
  lifecycle: queryText('name').optional(),
  status: queryText('name').optional(),
  /** `true` for --stale, `false` for --fresh. */
  stale: booleanQuerySchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type TrustRegistryQuery = z.infer<typeof trustRegistryQuerySchema>;

export const trustHistoryQuerySchema = z.object({ limit: limitQuerySchema });
export type TrustHistoryQuery = z.infer<typeof trustHistoryQuerySchema>;

export const trustTransitionBodySchema = z.object({
  status: text('name'),
  lifecycle_state: text('name'),
  /** The version the caller last read (`--expected-version`); a stale one answers 409. */
  expected_version: versionSchema.optional(),
  remediation_state: text('name').nullable().optional(),
  provenance: boundedJsonObjectSchema.optional(),
  reason: multilineText().optional(),
});
export type TrustTransitionBody = z.infer<typeof trustTransitionBodySchema>;

/** The latest trust registry snapshot of one VM instance. */
export const trustRegistryEntrySchema = z.object({
  vm_instance_id: uuidSchema,
  server_id: uuidSchema,
  status: z.string(),
  lifecycle_state: z.string(),
  remediation_state: z.string().nullable(),
  provenance: jsonObjectSchema.nullable(),
  version: z.int(),
  /** No evidence for longer than TRUST_STALE_AFTER_SECONDS. */
  stale: z.boolean(),
  last_evidence_at: timestampSchema,
  updated_at: timestampSchema,
});
export type TrustRegistryEntry = z.infer<typeof trustRegistryEntrySchema>;
export const trustRegistryPageSchema = z.object({
  items: z.array(trustRegistryEntrySchema),
  next_cursor: z.string().nullable(),
});

export const trustHistoryEntrySchema = z.object({
  version: z.int(),
  status: z.string(),
  lifecycle_state: z.string(),
  previous_status: z.string().nullable(),
  previous_lifecycle_state: z.string().nullable(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  transitioned_at: timestampSchema,
});
export const trustHistoryResponseSchema = z.object({
  vm_instance_id: uuidSchema,
  items: z.array(trustHistoryEntrySchema),
});

export const remediationRunsQuerySchema = z.object({
  instance_id: uuidSchema.optional(),
  status: remediationRunStatusSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type RemediationRunsQuery = z.infer<typeof remediationRunsQuerySchema>;

export const enqueueRemediationBodySchema = z.object({
  instance_id: uuidSchema,
  playbook: text('name'),
  metadata: boundedJsonObjectSchema.optional(),
  payload: boundedJsonObjectSchema.optional(),
  owner: text('name').optional(),
});
export type EnqueueRemediationBody = z.infer<typeof enqueueRemediationBodySchema>;

export const approveRemediationBodySchema = z.object({
  approval_state: z.enum(['approved', 'rejected']),
  /** Optimistic locking token; a stale one answers 409. */
  version: versionSchema,
  notes: multilineText().optional(),
});
export type ApproveRemediationBody = z.infer<typeof approveRemediationBodySchema>;

export const remediationPlaybookSchema = z.object({
  name: z.string(),
  executor_type: z.string(),
  requires_approval: z.boolean(),
  sla_seconds: z.int(),
  parameters: jsonObjectSchema,
  description: z.string().nullable(),
});
export type RemediationPlaybook = z.infer<typeof remediationPlaybookSchema>;
export const remediationPlaybookListSchema = z.object({ items: z.array(remediationPlaybookSchema) });

export const remediationRunSchema = z.object({
  id: uuidSchema,
  instance_id: uuidSchema,
  playbook: z.string(),
  executor_type: z.string(),
  owner: z.string().nullable(),
  status: remediationRunStatusSchema,
  approval_state: z.string(),
  approver: z.string().nullable(),
  notes: z.string().nullable(),
  metadata: jsonObjectSchema,
  payload: jsonObjectSchema,
  attempt: z.int(),
  version: z.int(),
  sla_due_at: timestampSchema,
  sla_breached: z.boolean(),
  failure_reason: z.string().nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  finished_at: timestampSchema.nullable(),
});
export type RemediationRun = z.infer<typeof remediationRunSchema>;
export const remediationRunPageSchema = z.object({
  items: z.array(remediationRunSchema),
  next_cursor: z.string().nullable(),
});

export const remediationArtifactViewSchema = z.object({
  id: uuidSchema,
  run_id: uuidSchema,
  kind: z.string(),
  digest: digestSchema,
  size_bytes: z.int(),
  metadata: jsonObjectSchema,
  recorded_at: timestampSchema,
});
export const remediationArtifactListSchema = z.object({ items: z.array(remediationArtifactViewSchema) });

export const lifecycleQuerySchema = z.object({
  lifecycle_state: z.string().min(1).optional(),
  owner_id: z.string().min(1).optional(),
  promotion_lane: z.string().min(1).optional(),
  /** 20 by default, not the API's usual 50: each row carries a server's recent runs and analytics (about 5 KiB). */
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: cursorQuerySchema,
});
export type LifecycleQuery = z.infer<typeof lifecycleQuerySchema>;

export const governanceRunsQuerySchema = z.object({
  workflow_id: uuidSchema.optional(),
  status: governanceRunStatusSchema.optional(),
  manifest_digest: digestSchema.optional(),
  tier: queryText('name').optional(),
  promotion_id: uuidSchema.optional(),
  since: timestampSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type GovernanceRunsQuery = z.infer<typeof governanceRunsQuerySchema>;

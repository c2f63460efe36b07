// `lifecycle.snapshot.updated`: the lifecycle console row of a server was recomputed; feeds `lifecycle list/watch`.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const lifecycleRemediationRunSchema = z.object({
  run_id: uuidSchema,
  playbook: z.string(),
  status: z.string(),
  attempt: z.int().min(1),
  retries: z.int().min(0),
  /** Short retry ledger, oldest first, e.g. `1:failed:timeout`. */
  ledger: z.array(z.string()),
  duration_ms: z.int().min(0).nullable(),
  override_actor: z.string().nullable(),
  promotion_verdict_ref: z.string().nullable(),
  artifact_fingerprint: z.string().nullable(),
  started_at: timestampSchema.nullable(),
  completed_at: timestampSchema.nullable(),
  /** The same duration in whole seconds (rounded down). */
  duration_seconds: z.int().min(0).nullable().optional(),
  /** Everyone who overrode automation on this run: the approver, promotion checkpoint approvers. */
  override_actors: z.array(z.string()).optional(),
  /** Digests of the run's stored artifacts (logs, evidence bundles) and of the artifact it acted on. */
  artifact_fingerprints: z.array(z.string()).optional(),
  /** Summary of the server's artifact ledger when the run was recorded, e.g. `3 builds, 2 succeeded`. */
  ledger_summary: z.string().nullable().optional(),
  trust_posture: z.string().nullable().optional(),
  marketplace_readiness: z.string().nullable().optional(),
  /** Where the run came from: playbook, executor, owner, instance, the trust registry's provenance. */
  provenance: jsonObjectSchema.nullable().optional(),
});

export const lifecyclePromotionSchema = z.object({
  promotion_id: uuidSchema,
  track_id: uuidSchema,
  track: z.string(),
  stage: z.string(),
  tier: z.string(),
  status: z.string(),
  manifest_digest: z.string(),
  governance_run_id: uuidSchema.nullable(),
  run_status: z.string().nullable(),
  approvals: z.int().min(0),
  approvals_required: z.int().min(0),
  rollback: z.boolean(),
  updated_at: timestampSchema,
});

export const lifecycleLedgerSummarySchema = z.object({
  artifacts: z.int().min(0),
  succeeded: z.int().min(0),
  latest_digest: z.string().nullable(),
  latest_status: z.string().nullable(),
  latest_completed_at: timestampSchema.nullable(),
});

export const lifecycleSnapshotSchema = z.object({
  server_id: uuidSchema,
  server_name: z.string(),
  lifecycle_state: z.string().min(1),
  owner_id: z.string().nullable(),
  promotion_lane: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  artifact_run_id: uuidSchema.nullable(),
  /** Gate verdicts such as `evaluation:pass`, `governance:pending`, `promotion:active`. */
  gate_verdicts: z.array(z.string()),
  trust_posture: z.string().nullable(),
  marketplace_readiness: z.string().nullable(),
  active_promotion_id: uuidSchema.nullable(),
  recent_remediation_runs: z.array(lifecycleRemediationRunSchema),
  version: z.int().min(1),
  updated_at: timestampSchema,
  /** The promotion automation context: the server's latest promotion, its track/stage and governance run. */
  promotion: lifecyclePromotionSchema.nullable().optional(),
  /** The server's recent promotions, newest first. */
  promotion_history: z.array(lifecyclePromotionSchema).optional(),
  /** The server's artifact ledger as governance projects it. */
  ledger: lifecycleLedgerSummarySchema.optional(),
  /** Retries over every recent run (sum of attempt - 1). */
  retries_total: z.int().min(0).optional(),
  /** The latest artifact's provenance and the trust registry's provenance for the server. */
  provenance: jsonObjectSchema.nullable().optional(),
  /** On the stream: which parts changed since the previous version (promotion, gate_verdicts, remediation, ...). */
  delta: z.object({ changed: z.array(z.string()), previous_version: z.int().min(1).nullable() }).optional(),
  /** On the stream: when the delta was emitted and its per-server sequence (the snapshot version). */
  heartbeat: z.object({ sequence: z.int().min(1), emitted_at: timestampSchema }).optional(),
});
export type LifecycleSnapshot = z.infer<typeof lifecycleSnapshotSchema>;

export const lifecycleSnapshotUpdatedEvent = defineEvent({
  type: 'lifecycle.snapshot.updated',
  topic: TOPICS.lifecycleSnapshots.name,
  schema: lifecycleSnapshotSchema,
  key: (p) => p.server_id,
  description:
    'The lifecycle console snapshot of a server changed: promotion automation, gate verdicts, trust posture, recent remediation.',
});

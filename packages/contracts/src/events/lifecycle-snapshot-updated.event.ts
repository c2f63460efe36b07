// `lifecycle.snapshot.updated`: the lifecycle console row of a server was recomputed; feeds `lifecycle list/watch`.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
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

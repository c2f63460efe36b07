// `policy.decision.recorded`: one runtime placement decision as persisted in runtime_policy_decisions.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

/** BYOK key posture considered by the decision; `policy watch` renders it. */
export const keyPostureSchema = z.looseObject({
  provider_id: z.string(),
  key_id: uuidSchema.nullable(),
  state: z.string(),
  rotation_due: timestampSchema.nullable(),
  vetoed: z.boolean(),
});
export type KeyPosture = z.infer<typeof keyPostureSchema>;

export const policyDecisionSchema = z.object({
  id: uuidSchema,
  server_id: uuidSchema,
  /** The enforced executor backend, e.g. `docker`, `kubernetes`, `vm`. */
  backend: z.string().min(1),
  /** The backend originally requested, before overrides. */
  candidate_backend: z.string().min(1),
  image: z.string().min(1),
  requires_build: z.boolean(),
  capability_requirements: z.array(z.string()),
  capabilities_satisfied: z.boolean(),
  executor_name: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  artifact_run_id: uuidSchema.nullable(),
  tier: z.string().nullable(),
  /** e.g. `evaluation:certified:<tier>:<requirement>`, `governance:missing-promotion:<tier>`, `promotion:<state>`. */
  policy_notes: z.array(z.string()),
  evaluation_required: z.boolean(),
  governance_required: z.boolean(),
  key_posture: keyPostureSchema.nullable(),
  /** The governance run that certified this placement, once one completed. */
  governance_run_id: uuidSchema.nullable(),
  /** The launch this decision was made for (an operator start or a redeploy after governance). */
  launch_id: uuidSchema.optional(),
  decided_at: timestampSchema,
});
export type PolicyDecision = z.infer<typeof policyDecisionSchema>;

export const policyDecisionRecordedEvent = defineEvent({
  type: 'policy.decision.recorded',
  topic: TOPICS.policyDecisions.name,
  schema: policyDecisionSchema,
  key: (p) => p.server_id,
  description: 'The runtime policy engine recorded a placement decision for a server launch.',
});

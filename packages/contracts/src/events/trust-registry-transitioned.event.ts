// `trust.registry.transitioned`: a guarded trust registry transition of a VM instance (optimistic version token).
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const trustRegistryTransitionSchema = z.object({
  vm_instance_id: uuidSchema,
  server_id: uuidSchema,
  status: z.string().min(1),
  lifecycle_state: z.string().min(1),
  previous_status: z.string().nullable(),
  previous_lifecycle_state: z.string().nullable(),
  remediation_state: z.string().nullable(),
  provenance: jsonObjectSchema.nullable(),
  /** The registry row version after the transition. */
  version: z.int().min(1),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  transitioned_at: timestampSchema,
});

export const trustRegistryTransitionedEvent = defineEvent({
  type: 'trust.registry.transitioned',
  topic: TOPICS.trustRegistry.name,
  schema: trustRegistryTransitionSchema,
  key: (p) => p.vm_instance_id,
  description: 'A VM instance moved to a new trust status and lifecycle state in the trust registry.',
});

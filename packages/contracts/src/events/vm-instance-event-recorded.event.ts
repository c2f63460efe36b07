// `vm.instance.event_recorded`: a VM lifecycle or attestation event (runtime_vm_instances / runtime_vm_events).
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const vmInstanceEventSchema = z.object({
  event_id: uuidSchema,
  vm_instance_id: uuidSchema,
  server_id: uuidSchema,
  /** e.g. `launched`, `attested`, `attestation_failed`, `fallback`, `terminated`. */
  event_type: z.string().min(1),
  attestation_status: z.string().min(1),
  isolation_tier: z.string().nullable(),
  /** Set when the workload fell back to a weaker isolation, with why. */
  fallback_reason: z.string().nullable(),
  details: jsonObjectSchema,
  occurred_at: timestampSchema,
  /** The instance's lifecycle state after this event (provisioned, attesting, trusted, rejected, running, quarantined, retired). */
  lifecycle: z.string().min(1).optional(),
  /** The instance row's version after this event; a projection keeps the highest. */
  version: z.int().min(1).optional(),
});

export const vmInstanceEventRecordedEvent = defineEvent({
  type: 'vm.instance.event_recorded',
  topic: TOPICS.vmInstances.name,
  schema: vmInstanceEventSchema,
  key: (p) => p.vm_instance_id,
  description: 'A VM instance lifecycle or attestation event was recorded.',
});

// `provider_key.rotated`: an active provider key was rotated to a new attestation.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { providerKeyStateSchema } from './provider-key.schema';

export const providerKeyRotatedSchema = z.object({
  key_id: uuidSchema,
  provider_id: z.string().min(1),
  previous_attestation_digest: digestSchema.nullable(),
  attestation_digest: digestSchema,
  /** Operator reference for the audit trail (`--actor-ref`). */
  actor_ref: z.string().min(1),
  state: providerKeyStateSchema,
  rotation_due: timestampSchema.nullable(),
  version: z.int().min(1),
  rotated_at: timestampSchema,
});

export const providerKeyRotatedEvent = defineEvent({
  type: 'provider_key.rotated',
  topic: TOPICS.providerKeys.name,
  schema: providerKeyRotatedSchema,
  key: (p) => p.key_id,
  description: 'A provider key was rotated (or its rotation requested, with `state` rotation_pending).',
});

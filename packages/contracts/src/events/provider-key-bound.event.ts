// `provider_key.bound`: a provider key was attached to a workload scope.
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const providerKeyBoundSchema = z.object({
  key_id: uuidSchema,
  provider_id: z.string().min(1),
  binding_id: uuidSchema,
  /** e.g. `workspace`, `runtime`, `server`. */
  binding_type: z.string().min(1),
  binding_target: z.string().min(1),
  context: jsonObjectSchema,
  bound_at: timestampSchema,
});

export const providerKeyBoundEvent = defineEvent({
  type: 'provider_key.bound',
  topic: TOPICS.providerKeys.name,
  schema: providerKeyBoundSchema,
  key: (p) => p.key_id,
  description: 'A provider key was bound to a workload scope.',
});

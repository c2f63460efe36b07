// `provider_key.posture_changed`: a key's posture (state, rotation deadline, veto) changed; placement reads it.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { providerKeyStateSchema } from './provider-key.schema';

export const providerKeyPostureChangedSchema = z.object({
  key_id: uuidSchema,
  provider_id: z.string().min(1),
  from_state: providerKeyStateSchema.nullable(),
  state: providerKeyStateSchema,
  rotation_due: timestampSchema.nullable(),
  /** True when the posture vetoes placements that depend on this key. */
  vetoed: z.boolean(),
  reason: z.string().nullable(),
  version: z.int().min(1),
  changed_at: timestampSchema,
});

export const providerKeyPostureChangedEvent = defineEvent({
  type: 'provider_key.posture_changed',
  topic: TOPICS.providerKeys.name,
  schema: providerKeyPostureChangedSchema,
  key: (p) => p.key_id,
  description: 'A provider key posture changed (state, rotation deadline or veto).',
});

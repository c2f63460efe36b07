// `provider_key.registered`: a provider BYOK key was registered with its attestation digest.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { providerKeyStateSchema } from './provider-key.schema';

export const providerKeyRegisteredSchema = z.object({
  key_id: uuidSchema,
  provider_id: z.string().min(1),
  alias: z.string().nullable(),
  state: providerKeyStateSchema,
  /** Digest of the attestation bundle hashed by the client; the bundle itself never travels on Kafka. */
  attestation_digest: digestSchema,
  signature_verified: z.boolean(),
  rotation_due: timestampSchema.nullable(),
  version: z.int().min(1),
  registered_at: timestampSchema,
});

export const providerKeyRegisteredEvent = defineEvent({
  type: 'provider_key.registered',
  topic: TOPICS.providerKeys.name,
  schema: providerKeyRegisteredSchema,
  key: (p) => p.key_id,
  description: 'A provider BYOK key was registered.',
});

// `marketplace.tier.changed`: the derived health tier of a catalog entry changed; the policy engine re-reads posture.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const marketplaceTierChangedSchema = z.object({
  artifact_run_id: uuidSchema.nullable(),
  server_id: uuidSchema,
  from_tier: z.string().nullable(),
  to_tier: z.string().min(1),
  issues: z.array(z.string()),
  changed_at: timestampSchema,
});

export const marketplaceTierChangedEvent = defineEvent({
  type: 'marketplace.tier.changed',
  topic: TOPICS.marketplaceCatalog.name,
  schema: marketplaceTierChangedSchema,
  key: (p) => p.server_id,
  description: 'The derived health tier of a marketplace entry changed.',
});

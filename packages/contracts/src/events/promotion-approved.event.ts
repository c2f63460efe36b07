// `promotion.approved`: a manual checkpoint approval was captured before governance completes.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { promotionStatusSchema } from './promotion.schema';

export const promotionApprovedSchema = z.object({
  promotion_id: uuidSchema,
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  stage: z.string().min(1),
  tier: z.string().min(1),
  status: promotionStatusSchema,
  approved_by: z.string().nullable(),
  note: z.string().nullable(),
  version: z.int().min(1),
  approved_at: timestampSchema,
});

export const promotionApprovedEvent = defineEvent({
  type: 'promotion.approved',
  topic: TOPICS.promotions.name,
  schema: promotionApprovedSchema,
  key: (p) => p.manifest_digest,
  description: 'A scheduled promotion received a manual checkpoint approval.',
});

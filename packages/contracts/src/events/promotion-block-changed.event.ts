// `promotion.block.changed`: a digest was blocked on a track (a rejection or a rollback hold), or an admin lifted it.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const PROMOTION_BLOCK_KINDS = ['rejected', 'rollback_hold'] as const;
export const promotionBlockKindSchema = z.enum(PROMOTION_BLOCK_KINDS);

export const promotionBlockChangedSchema = z.object({
  block_id: uuidSchema,
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  kind: promotionBlockKindSchema,
  /** The promotion whose rejection or rollback placed the block. */
  promotion_id: uuidSchema.nullable(),
  /** True while the digest may not be scheduled on the track. */
  active: z.boolean(),
  reason: z.string().nullable(),
  placed_by: z.string().nullable(),
  lifted_by: z.string().nullable(),
  changed_at: timestampSchema,
});

export const promotionBlockChangedEvent = defineEvent({
  type: 'promotion.block.changed',
  topic: TOPICS.promotions.name,
  schema: promotionBlockChangedSchema,
  key: (p) => p.manifest_digest,
  description:
    'A manifest digest was blocked on a promotion track (rejected, or held after a rollback) or the block was lifted.',
});

// `promotion.scheduled`: a manifest digest was scheduled onto a track stage.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { promotionStatusSchema } from './promotion.schema';

export const promotionScheduledSchema = z.object({
  promotion_id: uuidSchema,
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  stage: z.string().min(1),
  /** The runtime tier the stage places onto; the policy engine matches it against the requested tier. */
  tier: z.string().min(1),
  artifact_run_id: uuidSchema.nullable(),
  status: promotionStatusSchema,
  /** The governance run launched for this promotion, when the track configures a workflow. */
  governance_run_id: uuidSchema.nullable(),
  note: z.string().nullable(),
  scheduled_by: z.string().nullable(),
  version: z.int().min(1),
  scheduled_at: timestampSchema,
  /** True for a rollback record: created `active`, re-activating the last good digest of the stage. */
  rollback: z.boolean().optional(),
  /** For a rollback record, the promotion it rolled back. */
  rollback_of: uuidSchema.nullable().optional(),
});

export const promotionScheduledEvent = defineEvent({
  type: 'promotion.scheduled',
  topic: TOPICS.promotions.name,
  schema: promotionScheduledSchema,
  key: (p) => p.manifest_digest,
  description:
    'A promotion of a manifest digest to a track stage was scheduled and its governance workflow launched.',
});

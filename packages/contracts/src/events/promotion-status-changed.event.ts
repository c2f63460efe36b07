// `promotion.status_changed`: a promotion moved between statuses; only `active` lets the digest bypass governance holds.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { promotionStatusSchema } from './promotion.schema';

export const promotionStatusChangedSchema = z.object({
  promotion_id: uuidSchema,
  track_id: uuidSchema,
  manifest_digest: digestSchema,
  stage: z.string().min(1),
  tier: z.string().min(1),
  artifact_run_id: uuidSchema.nullable(),
  from_status: promotionStatusSchema,
  to_status: promotionStatusSchema,
  governance_run_id: uuidSchema.nullable(),
  reason: z.string().nullable(),
  version: z.int().min(1),
  changed_at: timestampSchema,
  /** Who caused the change (null when the governance run's completion did). */
  actor: z.string().nullable().optional(),
  rollback: z.boolean().optional(),
});

export const promotionStatusChangedEvent = defineEvent({
  type: 'promotion.status_changed',
  topic: TOPICS.promotions.name,
  schema: promotionStatusChangedSchema,
  key: (p) => p.manifest_digest,
  description:
    'A promotion changed status (scheduled, in_progress, approved, active, rolled_back), e.g. when its governance run completed.',
});

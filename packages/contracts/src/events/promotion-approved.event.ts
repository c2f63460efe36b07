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
  artifact_run_id: uuidSchema.nullable().optional(),
  /** The approver's role as the gateway forwarded it. */
  approver_role: z.string().nullable().optional(),
  /** Distinct approvals recorded so far, and how many the stage requires. */
  approvals: z.int().min(0).optional(),
  approvals_required: z.int().min(0).optional(),
  rollback: z.boolean().optional(),
});

export const promotionApprovedEvent = defineEvent({
  type: 'promotion.approved',
  topic: TOPICS.promotions.name,
  schema: promotionApprovedSchema,
  key: (p) => p.manifest_digest,
  description: 'A scheduled promotion received a manual checkpoint approval.',
});

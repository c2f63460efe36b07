// `promotion.track.created`: a release-train track was created, with its ordered stages, owner and rules.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { stageApprovalSchema } from '../api/governance.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const promotionTrackCreatedSchema = z.object({
  track_id: uuidSchema,
  name: z.string().min(1),
  /** Stage names in promotion order. */
  stages: z.array(z.string().min(1)).min(1),
  /** The governance workflow each promotion runs, unless its stage names its own. */
  workflow_id: uuidSchema.nullable(),
  stage_workflows: z.record(z.string(), uuidSchema),
  /** The runtime tier each stage places onto. */
  stage_tiers: z.record(z.string(), z.string()),
  stage_approvals: z.record(z.string(), stageApprovalSchema),
  description: z.string().nullable(),
  /** The subject that created the track; operators see and manage the tracks they own. */
  owner: z.string().nullable(),
  version: z.int().min(1),
  created_at: timestampSchema,
});

export const promotionTrackCreatedEvent = defineEvent({
  type: 'promotion.track.created',
  topic: TOPICS.promotionTracks.name,
  schema: promotionTrackCreatedSchema,
  key: (p) => p.track_id,
  description: 'A release-train promotion track was created with its ordered stages, owner and approval rules.',
});

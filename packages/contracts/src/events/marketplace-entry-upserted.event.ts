// `marketplace.entry.upserted`: a catalog entry (one artifact run joined with its server) was rebuilt in the read model.
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { promotionStatusSchema } from './promotion.schema';

export const marketplaceActivePromotionSchema = z.object({
  promotion_id: uuidSchema,
  track_id: uuidSchema,
  stage: z.string(),
  tier: z.string(),
  status: promotionStatusSchema,
  updated_at: timestampSchema,
});

// A server with no successful build yet is listed too, as `watchlist:<server_type>` with its artifact fields null.
export const marketplaceEntrySchema = z.object({
  artifact_run_id: uuidSchema.nullable(),
  server_id: uuidSchema,
  server_name: z.string(),
  server_type: z.string(),
  /** Derived health tier such as `gold:Router` or `watchlist:Slack`. */
  tier: z.string().min(1),
  /** The build run status; null when the server has no build yet. */
  status: z.string().min(1).nullable(),
  source_repo: z.string().nullable(),
  source_branch: z.string().nullable(),
  source_revision: z.string().nullable(),
  registry_image: z.string().nullable(),
  manifest_tag: z.string().nullable(),
  manifest_digest: digestSchema.nullable(),
  architectures: z.array(z.string()),
  multi_arch: z.boolean(),
  credential_health_status: z.string().nullable(),
  health: z.object({ issues: z.array(z.string()) }),
  active_promotion: marketplaceActivePromotionSchema.nullable(),
  completed_at: timestampSchema.nullable(),
  updated_at: timestampSchema,
});
export type MarketplaceEntry = z.infer<typeof marketplaceEntrySchema>;

export const marketplaceEntryUpsertedEvent = defineEvent({
  type: 'marketplace.entry.upserted',
  topic: TOPICS.marketplaceCatalog.name,
  schema: marketplaceEntrySchema,
  key: (p) => p.server_id,
  description: 'A marketplace catalog entry was created or refreshed; carries the full entry.',
});

// REST bodies of the marketplace catalog and evaluation certifications (marketplace).
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema } from '../common.schema';
import { artifactPlatformSchema } from '../events/artifact-recorded.event';
import { evaluationStatusSchema } from '../events/evaluation-certification.schema';
import {
  marketplaceActivePromotionSchema,
  marketplaceEntrySchema,
} from '../events/marketplace-entry-upserted.event';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

export const marketplaceQuerySchema = z.object({
  server_type: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  /** Compared case-insensitively. */
  tier: z.string().min(1).optional(),
  /** Substring search over server name, manifest tag/digest and image references. */
  q: z.string().min(1).optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type MarketplaceQuery = z.infer<typeof marketplaceQuerySchema>;

export const marketplaceCatalogEntrySchema = marketplaceEntrySchema.extend({
  platforms: z.array(artifactPlatformSchema),
  /** Stage-by-stage promotion lineage, oldest first. */
  promotion_history: z.array(marketplaceActivePromotionSchema),
});
export type MarketplaceCatalogEntry = z.infer<typeof marketplaceCatalogEntrySchema>;

export const marketplaceListResponseSchema = z.object({
  items: z.array(marketplaceCatalogEntrySchema),
  next_cursor: z.string().nullable(),
});
export type MarketplaceListResponse = z.infer<typeof marketplaceListResponseSchema>;

export const upsertEvaluationBodySchema = z.object({
  tier: z.string().min(1),
  policy_requirement: z.string().min(1),
  status: evaluationStatusSchema,
  /** Falls back to the artifact run's digest when omitted. */
  manifest_digest: digestSchema.optional(),
  evidence: jsonObjectSchema.nullable().optional(),
  valid_from: timestampSchema.nullable().optional(),
  valid_until: timestampSchema.nullable().optional(),
});
export type UpsertEvaluationBody = z.infer<typeof upsertEvaluationBodySchema>;

// REST bodies of the marketplace catalog and evaluation certifications (marketplace).
import { z } from 'zod';
import { digestSchema, timestampSchema, uuidSchema } from '../common.schema';
import { boundedJsonObjectSchema, queryText, text, versionSchema } from '../input.schema';
import { artifactPlatformSchema } from '../events/artifact-recorded.event';
import {
  EVALUATION_STATUSES,
  evaluationCertificationRowSchema,
  evaluationStatusSchema,
} from '../events/evaluation-certification.schema';
import { evaluationTierRequirementsSchema } from '../events/evaluation-requirements-set.event';
import {
  marketplaceActivePromotionSchema,
  marketplaceEntrySchema,
} from '../events/marketplace-entry-upserted.event';
import { cursorQuerySchema } from './pagination.schema';

/** The largest page a marketplace list answers; a larger `limit` is clamped to it, not refused (spec). */
export const MARKETPLACE_MAX_LIMIT = 200;

/** `limit` as the spec has it for the catalog: defaults to 50, anything above 200 reads as 200. */
export const marketplaceLimitQuerySchema = z.coerce
  .number()
  .int()
  .min(1)
  .default(50)
  .transform((n) => Math.min(n, MARKETPLACE_MAX_LIMIT));

export const marketplaceQuerySchema = z.object({
  server_type: queryText('label').optional(),
  status: queryText('label').optional(),
  /** Compared case-insensitively. */
  tier: queryText('label').optional(),
  /**
   * Case-insensitive search: a substring of the server name, manifest tag or image references, or the start of the
   * manifest digest (at least 4 hex characters, with or without `sha256:`).
   */
  q: queryText('query').optional(),
  limit: marketplaceLimitQuerySchema,
  cursor: cursorQuerySchema,
});
export type MarketplaceQuery = z.infer<typeof marketplaceQuerySchema>;

/** What a certification reads as now: its recorded status, or `expired` once `valid_until` has passed. */
export const EFFECTIVE_EVALUATION_STATUSES = [...EVALUATION_STATUSES, 'expired'] as const;
export const effectiveEvaluationStatusSchema = z.enum(EFFECTIVE_EVALUATION_STATUSES);
export type EffectiveEvaluationStatus = z.infer<typeof effectiveEvaluationStatusSchema>;

/** A certification as the API answers it: the row plus what it reads as at the time of the answer. */
export const evaluationCertificationViewSchema = evaluationCertificationRowSchema.extend({
  effective_status: effectiveEvaluationStatusSchema,
});
export type EvaluationCertificationView = z.infer<typeof evaluationCertificationViewSchema>;

export const evaluationListResponseSchema = z.object({
  items: z.array(evaluationCertificationViewSchema),
  next_cursor: z.string().nullable(),
});
export type EvaluationListResponse = z.infer<typeof evaluationListResponseSchema>;

/** One tier requirement of a catalog entry and the certification that answers it, if any. */
export const marketplaceCertificationRefSchema = z.object({
  tier: z.string(),
  policy_requirement: z.string(),
  certification_id: uuidSchema.nullable(),
  valid_until: timestampSchema.nullable(),
});
export type MarketplaceCertificationRef = z.infer<typeof marketplaceCertificationRefSchema>;

export const marketplaceCertificationsSchema = z.object({
  /** The server's target tier, whose requirements decide what is missing; null when the server names none. */
  target_tier: z.string().nullable(),
  /** The requirements of the target tier. */
  required: z.array(z.string()),
  certified: z.array(marketplaceCertificationRefSchema),
  pending: z.array(marketplaceCertificationRefSchema),
  failed: z.array(marketplaceCertificationRefSchema),
  expired: z.array(marketplaceCertificationRefSchema),
  /** Requirements of the target tier with no certification for this artifact run. */
  missing: z.array(marketplaceCertificationRefSchema),
});
export type MarketplaceCertifications = z.infer<typeof marketplaceCertificationsSchema>;

// Fields added to the catalog entry after its first release carry defaults, so a client reading an older
// marketplace's answer still decodes it.

/** One promotion of the entry's digest, as the governance promotion events left it. */
export const marketplacePromotionStageSchema = marketplaceActivePromotionSchema.extend({
  governance_run_id: uuidSchema.nullable().default(null),
  approved_by: z.string().nullable().default(null),
  scheduled_at: timestampSchema.nullable().default(null),
});
export type MarketplacePromotionStage = z.infer<typeof marketplacePromotionStageSchema>;

export const HEALTH_GRADES = ['gold', 'silver', 'watchlist'] as const;
export const healthGradeSchema = z.enum(HEALTH_GRADES);

// key: marketplace-catalog
// The catalog entry as `GET /api/marketplace` and `GET /api/marketplace/:id` answer it. Downstream automation finds
// the response contract by the marker above; its field names are the spec's and only ever gain fields.
export const marketplaceCatalogEntrySchema = marketplaceEntrySchema.extend({
  platforms: z.array(artifactPlatformSchema),
  /** The grade behind `tier` and every issue that kept it from gold. */
  health: z.object({ grade: healthGradeSchema.optional(), issues: z.array(z.string()) }),
  active_promotion: marketplacePromotionStageSchema.nullable(),
  /** Stage-by-stage promotion lineage of the entry's digest, oldest first. */
  promotion_history: z.array(marketplacePromotionStageSchema),
  certifications: marketplaceCertificationsSchema.default({
    target_tier: null,
    required: [],
    certified: [],
    pending: [],
    failed: [],
    expired: [],
    missing: [],
  }),
});
export type MarketplaceCatalogEntry = z.infer<typeof marketplaceCatalogEntrySchema>;

export const marketplaceListResponseSchema = z.object({
  items: z.array(marketplaceCatalogEntrySchema),
  next_cursor: z.string().nullable(),
});
export type MarketplaceListResponse = z.infer<typeof marketplaceListResponseSchema>;

export const upsertEvaluationBodySchema = z
  .object({
    tier: text('name'),
    policy_requirement: text('name'),
    status: evaluationStatusSchema,
    /** Falls back to the artifact run's digest when omitted; one that contradicts the ledger is a 422. */
    manifest_digest: digestSchema.optional(),
    evidence: boundedJsonObjectSchema.nullable().optional(),
    /** Defaults to now for `pass` and `fail`; a `pending` certification has no window. */
    valid_from: timestampSchema.nullable().optional(),
    valid_until: timestampSchema.nullable().optional(),
    /** The version last read; a stale one answers 409. Omitted, the upsert replaces whatever is there. */
    version: versionSchema.optional(),
  })
  .refine((b) => !b.valid_from || !b.valid_until || Date.parse(b.valid_until) > Date.parse(b.valid_from), {
    message: 'valid_until must be after valid_from',
    path: ['valid_until'],
  });
export type UpsertEvaluationBody = z.infer<typeof upsertEvaluationBodySchema>;

export const retryEvaluationBodySchema = z.object({
  /** The version last read; a stale one answers 409. */
  version: versionSchema.optional(),
});
export type RetryEvaluationBody = z.infer<typeof retryEvaluationBodySchema>;

export const evaluationListQuerySchema = z.object({
  status: effectiveEvaluationStatusSchema.optional(),
  tier: queryText('name').optional(),
  policy_requirement: queryText('name').optional(),
  server_id: uuidSchema.optional(),
  artifact_run_id: uuidSchema.optional(),
  limit: marketplaceLimitQuerySchema,
  cursor: cursorQuerySchema,
});
export type EvaluationListQuery = z.infer<typeof evaluationListQuerySchema>;

export const setTierRequirementsBodySchema = z.object({
  requirements: z.array(text('name')).max(64),
  /** The version last read; a stale one answers 409. Omitted, the list replaces whatever is there. */
  version: versionSchema.optional(),
});
export type SetTierRequirementsBody = z.infer<typeof setTierRequirementsBodySchema>;

export const tierRequirementsListResponseSchema = z.object({
  items: z.array(evaluationTierRequirementsSchema),
  next_cursor: z.string().nullable(),
});

// Release-train promotion vocabulary shared by the promotion events.
import { z } from 'zod';

/**
 * The spec's five statuses, then `rejected` (a checkpoint rejection, or the digest was blocked on the track while the
 * promotion was open) and `superseded` (a later promotion became active on the same track and stage).
 */
export const PROMOTION_STATUSES = [
  'scheduled',
  'in_progress',
  'approved',
  'active',
  'rolled_back',
  'rejected',
  'superseded',
] as const;
export const promotionStatusSchema = z.enum(PROMOTION_STATUSES);
export type PromotionStatus = z.infer<typeof promotionStatusSchema>;

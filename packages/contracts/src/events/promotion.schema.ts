// Release-train promotion vocabulary shared by the promotion events.
import { z } from 'zod';

export const PROMOTION_STATUSES = ['scheduled', 'in_progress', 'approved', 'active', 'rolled_back'] as const;
export const promotionStatusSchema = z.enum(PROMOTION_STATUSES);
export type PromotionStatus = z.infer<typeof promotionStatusSchema>;

// REST shapes of `GET /api/servers/:id/metrics`; contracts has no schema for them yet.
import { z } from 'zod';

// Query strings arrive as text, so `limit` is coerced.
export const usageMetricListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type UsageMetricListQuery = z.infer<typeof usageMetricListQuerySchema>;

export interface UsageMetric {
  id: string;
  server_id: string;
  build_id: string | null;
  event: string;
  /** Stored and returned whole, so registry keys such as `attempt` or `auth_expired` reach clients untouched. */
  details: Record<string, unknown>;
  created_at: string;
}

export interface UsageMetricListResponse {
  items: UsageMetric[];
  next_cursor: string | null;
}

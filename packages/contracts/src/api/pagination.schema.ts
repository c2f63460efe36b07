// Keyset pagination shared by every list endpoint: `limit` (1..200, default 50) and an opaque `cursor`.
import { z } from 'zod';

export const limitQuerySchema = z.coerce.number().int().min(1).max(200).default(50);
export const cursorQuerySchema = z.string().min(1).optional();

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

// The one error body every service and the gateway answer with; the CLI prints `error.message`.
import { z } from 'zod';

export const errorBodySchema = z.object({
  error: z.object({
    /** A stable, upper-snake code from the domain exception, e.g. `VERSION_CONFLICT`. */
    code: z.string().min(1),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

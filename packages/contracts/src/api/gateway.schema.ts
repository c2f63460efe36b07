// REST bodies served by the gateway itself: readiness of every service and API tokens.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { SERVICE_NAMES } from '../routes';

export const serviceStatusSchema = z.object({
  service: z.enum(SERVICE_NAMES),
  status: z.enum(['up', 'down']),
  latency_ms: z.number().min(0).nullable(),
  /** Why the service is down, e.g. `ECONNREFUSED` or the failing readiness check. */
  detail: z.string().nullable(),
  checked_at: timestampSchema,
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const statusResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  services: z.array(serviceStatusSchema),
});
export type StatusResponse = z.infer<typeof statusResponseSchema>;

export const roleSchema = z.enum(['viewer', 'operator', 'admin']);

export const createTokenBodySchema = z.object({
  name: z.string().min(1).max(128),
  role: roleSchema,
  expires_at: timestampSchema.nullable().optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBodySchema>;

export const tokenSchema = z.object({
  id: uuidSchema,
  name: z.string(),
  role: roleSchema,
  created_at: timestampSchema,
  expires_at: timestampSchema.nullable(),
  last_used_at: timestampSchema.nullable(),
});
export type Token = z.infer<typeof tokenSchema>;

/** The secret is returned once, at creation; only its hash is stored. */
export const createTokenResponseSchema = tokenSchema.extend({ token: z.string().min(1) });
export type CreateTokenResponse = z.infer<typeof createTokenResponseSchema>;

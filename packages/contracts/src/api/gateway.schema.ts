// REST bodies served by the gateway itself: readiness of every service and API tokens.
// They mirror apps/gateway's implementation, so the CLI can parse what the gateway sends.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { ROLES, SERVICE_NAMES, type Role } from '../routes';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

export const roleSchema = z.enum(ROLES as [Role, ...Role[]]);

export const serviceStatusSchema = z.object({
  status: z.enum(['ready', 'not_ready', 'unreachable']),
  /** Named readiness checks, e.g. `{ database: 'ok', kafka: 'down' }`. */
  checks: z.record(z.string(), z.string()).optional(),
  error: z.string().optional(),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** `GET /api/status`: ready only when every service is ready. */
export const statusResponseSchema = z.object({
  status: z.enum(['ready', 'degraded']),
  services: z.record(z.enum(SERVICE_NAMES), serviceStatusSchema),
});
export type StatusResponse = z.infer<typeof statusResponseSchema>;

export const createTokenBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: roleSchema,
  owner: z.string().trim().min(1).max(200).optional(),
  expires_at: timestampSchema.refine((v) => Date.parse(v) > Date.now(), 'must be in the future').optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBodySchema>;

export const tokenListQuerySchema = z.object({ limit: limitQuerySchema, cursor: cursorQuerySchema });
export type TokenListQuery = z.infer<typeof tokenListQuerySchema>;

export const tokenSchema = z.object({
  id: uuidSchema,
  name: z.string(),
  owner: z.string(),
  role: roleSchema,
  /** The first characters of the secret, to recognise a token without revealing it. */
  prefix: z.string(),
  expires_at: timestampSchema.nullable(),
  last_used_at: timestampSchema.nullable(),
  revoked_at: timestampSchema.nullable(),
  created_at: timestampSchema,
});
export type Token = z.infer<typeof tokenSchema>;

export const tokenListResponseSchema = z.object({
  items: z.array(tokenSchema),
  next_cursor: z.string().nullable(),
});
export type TokenListResponse = z.infer<typeof tokenListResponseSchema>;

/** The secret is returned once, at creation; only its hash is stored. */
export const createTokenResponseSchema = tokenSchema.extend({ token: z.string().min(1) });
export type CreateTokenResponse = z.infer<typeof createTokenResponseSchema>;

/** `GET /api/tokens/me`: who the bearer token is. */
export const tokenSelfSchema = z.object({
  id: uuidSchema,
  name: z.string(),
  subject: z.string(),
  role: roleSchema,
});
export type TokenSelf = z.infer<typeof tokenSelfSchema>;

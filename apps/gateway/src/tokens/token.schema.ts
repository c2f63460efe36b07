// REST bodies of /api/tokens.
import { z } from 'zod';
import { ROLES, type Role } from '@mcp-host/contracts';

export const createTokenBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES as [Role, ...Role[]]),
  owner: z.string().trim().min(1).max(200).optional(),
  expires_at: z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
    .optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenBodySchema>;

export const tokenListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type TokenListQuery = z.infer<typeof tokenListQuerySchema>;

export interface TokenView {
  id: string;
  name: string;
  owner: string;
  role: Role;
  prefix: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

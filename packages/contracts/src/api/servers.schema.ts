// REST bodies of `/api/servers`: create, update with optimistic locking, list with keyset pagination.
import { z } from 'zod';
import { serverNameSchema } from '../common.schema';
import { serverSnapshotSchema } from '../server-snapshot.schema';

export const serverSchema = serverSnapshotSchema;
export type Server = z.infer<typeof serverSchema>;

export const createServerBodySchema = z.object({
  name: serverNameSchema,
  server_type: z.string().min(1),
  source_repository: z.string().min(1).nullable().optional(),
  source_branch: z.string().min(1).default('main'),
  dockerfile_path: z.string().min(1).default('Dockerfile'),
  tier: z.string().min(1).nullable().optional(),
  owner: z.string().min(1).nullable().optional(),
});
export type CreateServerBody = z.infer<typeof createServerBodySchema>;

export const updateServerBodySchema = z.object({
  name: serverNameSchema.optional(),
  server_type: z.string().min(1).optional(),
  source_repository: z.string().min(1).nullable().optional(),
  source_branch: z.string().min(1).nullable().optional(),
  dockerfile_path: z.string().min(1).nullable().optional(),
  tier: z.string().min(1).nullable().optional(),
  owner: z.string().min(1).nullable().optional(),
  /** The version the caller last read; a stale version answers 409 Conflict. */
  version: z.int().min(1),
});
export type UpdateServerBody = z.infer<typeof updateServerBodySchema>;

// Query strings arrive as text, so `limit` is coerced.
export const serverListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
  q: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
});
export type ServerListQuery = z.infer<typeof serverListQuerySchema>;

export const serverListResponseSchema = z.object({
  items: z.array(serverSchema),
  next_cursor: z.string().nullable(),
});
export type ServerListResponse = z.infer<typeof serverListResponseSchema>;

// REST bodies of `/api/servers`: create, update with optimistic locking, list with keyset pagination.
import { z } from 'zod';
import { serverNameSchema } from '../common.schema';
import { queryText, text, versionSchema } from '../input.schema';
import { serverSnapshotSchema } from '../server-snapshot.schema';

export const serverSchema = serverSnapshotSchema;
export type Server = z.infer<typeof serverSchema>;

export const createServerBodySchema = z.object({
  name: serverNameSchema,
  server_type: text('label'),
  source_repository: text('url').nullable().optional(),
  source_branch: text('path').default('main'),
  dockerfile_path: text('path').default('Dockerfile'),
  tier: text('name').nullable().optional(),
  owner: text('label').nullable().optional(),
});
export type CreateServerBody = z.infer<typeof createServerBodySchema>;

export const updateServerBodySchema = z.object({
  name: serverNameSchema.optional(),
  server_type: text('label').optional(),
  source_repository: text('url').nullable().optional(),
  source_branch: text('path').nullable().optional(),
  dockerfile_path: text('path').nullable().optional(),
  tier: text('name').nullable().optional(),
  owner: text('label').nullable().optional(),
  /** The version the caller last read; a stale version answers 409 Conflict. */
  version: versionSchema,
});
export type UpdateServerBody = z.infer<typeof updateServerBodySchema>;

// Query strings arrive as text, so `limit` is coerced.
export const serverListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: queryText('label').optional(),
  q: queryText('query').optional(),
  status: queryText('label').optional(),
});
export type ServerListQuery = z.infer<typeof serverListQuerySchema>;

export const serverListResponseSchema = z.object({
  items: z.array(serverSchema),
  next_cursor: z.string().nullable(),
});
export type ServerListResponse = z.infer<typeof serverListResponseSchema>;

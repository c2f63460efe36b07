// The server snapshot carried by server events and returned by the servers API.
import { z } from 'zod';
import { serverNameSchema, timestampSchema, uuidSchema } from './common.schema';

export const serverSnapshotSchema = z.object({
  id: uuidSchema,
  name: serverNameSchema,
  server_type: z.string().min(1),
  source_repository: z.string().nullable(),
  source_branch: z.string().nullable(),
  dockerfile_path: z.string().nullable(),
  tier: z.string().nullable(),
  owner: z.string().nullable(),
  status: z.string().min(1),
  version: z.int().min(1),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export type ServerSnapshot = z.infer<typeof serverSnapshotSchema>;

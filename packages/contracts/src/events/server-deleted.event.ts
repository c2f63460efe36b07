// `server.deleted`: a server was removed; the last version lets projections drop stale updates that arrive late.
import { z } from 'zod';
import { serverNameSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const serverDeletedSchema = z.object({
  id: uuidSchema,
  name: serverNameSchema,
  version: z.int().min(1),
  deleted_at: timestampSchema,
});

export const serverDeletedEvent = defineEvent({
  type: 'server.deleted',
  topic: TOPICS.servers.name,
  schema: serverDeletedSchema,
  key: (p) => p.id,
  description: 'A server was deleted. `version` is the last version the server had.',
});

// `grant.deleted`: an MCP tool grant was deleted; the gateway stops applying it.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const grantDeletedSchema = z.object({
  id: uuidSchema,
  server_id: uuidSchema,
  /** The grant's version when it was deleted. */
  version: z.int().min(1),
  deleted_by: z.string(),
  deleted_at: timestampSchema,
});

export const grantDeletedEvent = defineEvent({
  type: 'grant.deleted',
  topic: TOPICS.accessGrants.name,
  schema: grantDeletedSchema,
  key: (p) => p.server_id,
  description: 'A grant of MCP tools was deleted.',
});

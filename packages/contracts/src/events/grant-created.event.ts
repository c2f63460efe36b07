// `grant.created`: an MCP tool grant was created; the gateway projects it into its decision table.
import { defineEvent } from '../event-definition';
import { grantSchema } from '../api/grants.schema';
import { TOPICS } from '../topics';

export const grantCreatedEvent = defineEvent({
  type: 'grant.created',
  topic: TOPICS.accessGrants.name,
  schema: grantSchema,
  key: (p) => p.server_id,
  description: 'A grant of MCP tools on a server to a subject (token, subject or role) was created.',
});

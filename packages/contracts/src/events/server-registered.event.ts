// `server.registered`: a server was created; carries the full snapshot so projections need no lookup.
import { defineEvent } from '../event-definition';
import { serverSnapshotSchema } from '../server-snapshot.schema';
import { TOPICS } from '../topics';

export const serverRegisteredEvent = defineEvent({
  type: 'server.registered',
  topic: TOPICS.servers.name,
  schema: serverSnapshotSchema,
  key: (p) => p.id,
  description: 'A server was registered. Carries the full server snapshot at version 1.',
});

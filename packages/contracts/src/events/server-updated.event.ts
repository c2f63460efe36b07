// `server.updated`: a server changed; carries the full snapshot so consumers replace, never merge.
import { defineEvent } from '../event-definition';
import { serverSnapshotSchema } from '../server-snapshot.schema';
import { TOPICS } from '../topics';

export const serverUpdatedEvent = defineEvent({
  type: 'server.updated',
  topic: TOPICS.servers.name,
  schema: serverSnapshotSchema,
  key: (p) => p.id,
  description:
    'A server changed (fields or status). Carries the full snapshot; consumers keep the highest version they have seen.',
});

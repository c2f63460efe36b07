// Publishes one contract-valid event straight to Kafka, as another service's relay would, for consumer tests.
import { Kafka, logLevel } from 'kafkajs';
import {
  eventDefinition,
  newEventAttributes,
  parseEvent,
  toKafkaHeaders,
  type EventPayload,
  type EventType,
} from '@mcp-host/contracts';

export async function publishTestEvent<T extends EventType>(
  brokers: string[],
  type: T,
  payload: EventPayload<T>,
  opts: { id?: string; source?: string } = {},
): Promise<string> {
  const def = eventDefinition(type);
  if (!def) throw new Error(`unknown event type ${type}`);
  const parsed = parseEvent(type, payload);
  if (!parsed.ok) throw new Error(`invalid ${type} payload: ${parsed.reason}`);
  const attrs = newEventAttributes({ type, source: opts.source ?? 'test', id: opts.id });
  const producer = new Kafka({ clientId: 'test-publisher', brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({
      topic: def.topic,
      acks: -1,
      messages: [
        {
          key: def.key(parsed.value as never),
          value: JSON.stringify(parsed.value),
          headers: toKafkaHeaders(attrs),
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  return attrs.id;
}

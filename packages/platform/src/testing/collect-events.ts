// Reads a topic from the beginning into an array, so a test can assert on what a service published.
import { Kafka, logLevel } from 'kafkajs';
import { fromKafkaHeaders, type CloudEventAttributes } from '@mcp-host/contracts';

export interface CollectedEvent {
  type: string;
  key: string;
  attributes: CloudEventAttributes;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

export interface EventCollector {
  events: CollectedEvent[];
  stop(): Promise<void>;
}

// A dead-letter record may carry headers only (its payload was what the broker refused).
function parseObject(value: Buffer | null): Record<string, unknown> {
  if (!value || value.length === 0) return {};
  try {
    return JSON.parse(value.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function collectEvents(brokers: string[], topic: string): Promise<EventCollector> {
  const consumer = new Kafka({ clientId: 'test-collector', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `test-collector-${topic}-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
  });
  const events: CollectedEvent[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
      let attributes: CloudEventAttributes;
      try {
        attributes = fromKafkaHeaders(message.headers);
      } catch {
        return;
      }
      events.push({
        type: attributes.type,
        key: String(message.key),
        attributes,
        headers,
        payload: parseObject(message.value),
      });
    },
  });
  return { events, stop: () => consumer.disconnect() };
}

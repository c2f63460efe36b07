// The embedded broker for tests, or the real Kafka named by KAFKA_BROKERS.
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';

export interface TestKafka {
  brokers: string[];
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startTestKafka(opts: { dataDir?: string } = {}): Promise<TestKafka> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return { brokers: external.split(','), embedded: false, stop: async () => undefined };
  const broker = await startEmbeddedKafka({ port: 0, host: '127.0.0.1', dataDir: opts.dataDir });
  return { brokers: broker.brokers, embedded: true, stop: () => broker.stop() };
}

// Starts the broker under test: the embedded one, or the real cluster named by KAFKA_BROKERS.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EmbeddedKafkaOptions, startEmbeddedKafka } from '../../src';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export const externalBrokers = process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : undefined;

/** For tests that kill, restart or reconfigure the broker, which a shared real cluster does not allow. */
export const describeEmbeddedOnly = externalBrokers ? describe.skip : describe;

export interface TestCluster {
  brokers: string[];
  kafka: Kafka;
  stop(): Promise<void>;
}

export async function startTestCluster(options: EmbeddedKafkaOptions = {}): Promise<TestCluster> {
  if (externalBrokers) {
    return { brokers: externalBrokers, kafka: kafkaClient(externalBrokers), stop: async () => {} };
  }
  const broker = await startEmbeddedKafka(options);
  return { brokers: broker.brokers, kafka: kafkaClient(broker.brokers), stop: () => broker.stop() };
}

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({
    clientId: 'embedded-kafka-test',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 500 },
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function hostPort(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(broker.slice(i + 1)) };
}

/** Polls until the check passes or the time runs out, then fails with the description. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The only place that touches kafkajs: one client, one idempotent producer and topic provisioning per service.
import { Kafka, logLevel, type Admin, type Consumer, type Producer, type ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { ALL_TOPICS, topicByName, deadLetterTopicOf } from '@mcp-host/contracts';

export interface KafkaConnectionOptions {
  clientId: string;
  brokers: string[];
  logger: Logger;
}

export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * kafkajs logs every error answer of the broker at ERROR before its caller decides what it means. A CreateTopics
 * answer is decided by ensureTopics' caller: two parts of a service (or two replicas) creating the same topics at once
 * get TOPIC_ALREADY_EXISTS, which createTopics treats as success, and any other failure is thrown to the caller, who
 * logs it. So that line is debug, and a start no longer logs a "Topic creation errors" error that is none.
 */
const DECIDED_BY_CALLER = /^Response CreateTopics\b/;

function pinoLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...extra } = log;
      if (DECIDED_BY_CALLER.test(message)) logger.debug({ kafka: extra }, message);
      else if (level <= logLevel.ERROR) logger.error({ kafka: extra }, message);
      else if (level === logLevel.WARN) logger.debug({ kafka: extra }, message);
    };
}

export class KafkaConnection {
  readonly kafka: Kafka;
  private producer?: Producer;
  private producerReady?: Promise<Producer>;
  private readonly ensured = new Set<string>();

  constructor(private readonly opts: KafkaConnectionOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.WARN,
      logCreator: pinoLogCreator(opts.logger.child({ component: 'kafka' })),
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  /** A connected idempotent producer (acks=all); reconnects lazily after a failure. */
  async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerReady ??= (async () => {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
      });
      try {
        await p.connect();
      } catch (err) {
        this.producerReady = undefined;
        await p.disconnect().catch(() => undefined);
        throw err;
      }
      p.on(p.events.DISCONNECT, () => {
        if (this.producer === p) {
          this.producer = undefined;
          this.producerReady = undefined;
        }
      });
      this.producer = p;
      return p;
    })();
    return this.producerReady;
  }

  /** Publishes grouped by topic with acks=all; throws when the broker does not acknowledge. */
  async send(byTopic: Map<string, OutgoingMessage[]>): Promise<void> {
    const producer = await this.getProducer();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      // A broken producer is rebuilt on the next attempt rather than reused in an unknown state.
      this.producer = undefined;
      this.producerReady = undefined;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  consumer(groupId: string, opts: { sessionTimeout?: number; maxWaitTimeInMs?: number } = {}): Consumer {
    return this.kafka.consumer({
      groupId,
      sessionTimeout: opts.sessionTimeout ?? 10000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 100,
      allowAutoTopicCreation: true,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 },
    });
  }

  admin(): Admin {
    return this.kafka.admin();
  }

  /** Creates the named topics (and their dead-letter twins) with the registry's partitions and retention. */
  async ensureTopics(names: string[]): Promise<void> {
    const wanted = new Set<string>();
    for (const n of names) {
      wanted.add(n);
      if (!n.endsWith('.dlq')) wanted.add(deadLetterTopicOf(n));
    }
    const missing = [...wanted].filter((n) => !this.ensured.has(n));
    if (missing.length === 0) return;
    const admin = this.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const topics: ITopicConfig[] = missing
        .filter((n) => !existing.has(n))
        .map((n) => {
          const def = topicByName(n) ?? ALL_TOPICS.find((t) => t.name === n);
          return {
            topic: n,
            numPartitions: def?.partitions ?? 3,
            replicationFactor: -1,
            configEntries: def ? [{ name: 'retention.ms', value: String(def.retentionMs) }] : [],
          };
        });
      if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
      for (const n of missing) this.ensured.add(n);
    } finally {
      await admin.disconnect();
    }
  }

  /** True when a broker answers a metadata request within the timeout. */
  async ping(timeoutMs = 2000): Promise<void> {
    const admin = this.admin();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no broker answered within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.producerReady = undefined;
    if (p) await p.disconnect().catch(() => undefined);
  }
}

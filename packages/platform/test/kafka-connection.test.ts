// The kit's Kafka connection against the embedded broker: topic provisioning by several parts at once.
import { Writable } from 'node:stream';
import pino from 'pino';
import { ALL_TOPICS } from '@mcp-host/contracts';
import { KafkaConnection } from '../src/events/kafka-connection';
import { startTestKafka, type TestKafka } from '../src/testing';

describe('KafkaConnection', () => {
  let kafka: TestKafka;
  beforeAll(async () => {
    kafka = await startTestKafka();
  });
  afterAll(async () => {
    await kafka.stop();
  });

  it('when several connections create the same topics at once, then all succeed and none logs an error', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          cb();
        },
      }),
    );
    const names = ALL_TOPICS.filter((t) => !t.name.endsWith('.dlq')).map((t) => t.name);
    const connections = Array.from(
      { length: 4 },
      (_, i) => new KafkaConnection({ clientId: `race-${i}`, brokers: kafka.brokers, logger }),
    );
    try {
      await Promise.all(connections.map((c) => c.ensureTopics(names)));
    } finally {
      await Promise.all(connections.map((c) => c.close()));
    }
    // The losers of the race were answered TOPIC_ALREADY_EXISTS: kafkajs's line about it is debug, not error.
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => /CreateTopics/.test(l.msg))).toBe(true);
  });
});

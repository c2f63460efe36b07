// Disk mode: committed offsets and the log survive a clean broker restart, so a group resumes where it left off.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbeddedKafka } from '../src';
import { describeEmbeddedOnly, kafkaClient, uniqueName, waitFor } from './support/test-cluster';

describeEmbeddedOnly('restart with a data directory', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-restart-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the broker restarts, then a group continues after the offsets it committed before', async () => {
    const topic = uniqueName('restart');
    const groupId = uniqueName('group');
    const first = await startEmbeddedKafka({ dataDir, defaultPartitions: 2 });
    const kafka1 = kafkaClient(first.brokers);
    const producer1 = kafka1.producer();
    await producer1.connect();
    await producer1.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `${i}`, value: `a${i}` })),
    });
    await producer1.disconnect();
    const consumer1 = kafka1.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer1.connect();
    await consumer1.subscribe({ topic, fromBeginning: true });
    const before: string[] = [];
    await consumer1.run({ eachMessage: async ({ message }) => void before.push(String(message.value)) });
    await waitFor(() => before.length === 20, 'the first 20 messages');
    await consumer1.disconnect();
    await first.stop();

    const second = await startEmbeddedKafka({ dataDir });
    const kafka2 = kafkaClient(second.brokers);
    const admin = kafka2.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const producer2 = kafka2.producer();
    await producer2.connect();
    await producer2.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `${i}`, value: `b${i}` })),
    });
    await producer2.disconnect();
    const consumer2 = kafka2.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer2.connect();
    await consumer2.subscribe({ topic, fromBeginning: true });
    const after: string[] = [];
    await consumer2.run({ eachMessage: async ({ message }) => void after.push(String(message.value)) });
    await waitFor(() => after.length >= 10, 'the 10 new messages');
    await new Promise((r) => setTimeout(r, 300));
    await consumer2.disconnect();
    await admin.disconnect();
    await second.stop();

    const committedTotal = committed[0].partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(committedTotal).toBe(20);
    expect(after.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`).sort());
  });

  it('when fsync is always and segments are small, then every acknowledged message is read back after a restart', async () => {
    const topic = uniqueName('always');
    const first = await startEmbeddedKafka({ dataDir, fsync: 'always', segmentBytes: 1024 });
    const producer = kafkaClient(first.brokers).producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({ value: `${i * 10 + j}` })),
      });
    }
    await producer.disconnect();
    await first.stop();

    const second = await startEmbeddedKafka({ dataDir });
    const consumer = kafkaClient(second.brokers).consumer({ groupId: uniqueName('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    await waitFor(() => values.length >= 200, '200 messages');
    await consumer.disconnect();
    await second.stop();

    const segments = readdirSync(path.join(dataDir, 'topics', `${topic}-0`)).filter((f) =>
      f.endsWith('.log'),
    );
    expect(segments.length).toBeGreaterThan(1);
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  });
});

// Disk mode: committed offsets and the log survive a clean broker restart, so a group resumes where it left off.
import { mkdtempSync, rmSync } from 'node:fs';
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
});

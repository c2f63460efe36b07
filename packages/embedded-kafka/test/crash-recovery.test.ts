// Disk mode: after kill -9 mid-write plus a torn batch at the log tail, the broker truncates to the last complete batch.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startBrokerProcess } from './support/broker-process';
import { describeEmbeddedOnly, kafkaClient, uniqueName, waitFor } from './support/test-cluster';

describeEmbeddedOnly('crash recovery', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-crash-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the broker is killed mid-write and the log ends in a torn batch, then restart truncates it and consumers read on', async () => {
    const topic = uniqueName('crash');
    const first = await startBrokerProcess(['--data-dir', dataDir, '--fsync', 'never']);
    const producer = kafkaClient([first.broker]).producer({ retry: { retries: 0 } });
    await producer.connect();
    let acked = 0;
    let next = 0;
    let stop = false;
    const writing = (async () => {
      while (!stop) {
        const messages = Array.from({ length: 50 }, () => ({ value: String(next++) }));
        try {
          await producer.send({ topic, messages, acks: -1 });
          acked = next;
        } catch {
          return;
        }
      }
    })();
    await waitFor(() => acked >= 2000, '2000 acknowledged messages');

    first.child.kill('SIGKILL');
    await first.exited;
    stop = true;
    await writing;
    await producer.disconnect().catch(() => undefined);

    const partitionDir = path.join(dataDir, 'topics', `${topic}-0`);
    const segment = readdirSync(partitionDir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .pop() as string;
    const segmentPath = path.join(partitionDir, segment);
    const intactSize = statSync(segmentPath).size;
    const firstBatch = readFileSync(segmentPath).subarray(0, 200);
    appendFileSync(segmentPath, firstBatch.subarray(0, 150)); // its length field promises more than follows

    const second = await startBrokerProcess(['--data-dir', dataDir, '--log-level', 'debug']);
    try {
      const recoveredSize = statSync(segmentPath).size;
      const kafka = kafkaClient([second.broker]);
      const admin = kafka.admin();
      await admin.connect();
      const [end] = await admin.fetchTopicOffsets(topic);
      const consumer = kafka.consumer({ groupId: uniqueName('after-crash'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const values: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
      await waitFor(() => values.length >= Number(end.high), 'every recovered message');
      const producer2 = kafka.producer();
      await producer2.connect();
      await producer2.send({ topic, messages: [{ value: 'after' }] });
      await waitFor(() => values.length === Number(end.high) + 1, 'the message written after restart');
      await producer2.disconnect();
      await consumer.disconnect();
      await admin.disconnect();

      expect(second.stderr()).toMatch(/truncated \d+ bytes/);
      expect(second.stderr()).toMatch(/DEBUG connection from 127\.0\.0\.1:\d+/);
      expect(recoveredSize).toBe(intactSize);
      expect(Number(end.high)).toBeGreaterThanOrEqual(acked);
      expect(values).toEqual([...Array.from({ length: Number(end.high) }, (_, i) => String(i)), 'after']);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

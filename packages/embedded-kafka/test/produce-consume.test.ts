// Conformance: produce and consume through kafkajs keep per-partition order and the client's key partitioning.
import { CompressionTypes, Partitioners } from 'kafkajs';
import { startTestCluster, TestCluster, uniqueName, waitFor } from './support/test-cluster';

describe('produce and consume', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster({ defaultPartitions: 1 });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when keyed messages are produced to 4 partitions, then each lands where the partitioner says, in order', async () => {
    const topic = uniqueName('order');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = cluster.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const expected = new Map<string, number>();
    for (let batch = 0; batch < 5; batch++) {
      const messages = Array.from({ length: 40 }, (_, i) => ({
        key: `key-${i % 13}`,
        value: `${batch * 40 + i}`,
      }));
      for (const m of messages) expected.set(m.key, partitioner({ topic, partitionMetadata, message: m }));
      await producer.send({
        topic,
        messages,
        compression: batch % 2 ? CompressionTypes.GZIP : CompressionTypes.None,
      });
    }

    const consumer = cluster.kafka.consumer({ groupId: uniqueName('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { partition: number; key: string; value: number; offset: number }[] = [];
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({
          partition,
          key: String(message.key),
          value: Number(message.value),
          offset: Number(message.offset),
        });
      },
    });
    await waitFor(() => seen.length >= 200, '200 messages');
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();

    expect(seen).toHaveLength(200);
    for (const m of seen) expect(m.partition).toBe(expected.get(m.key));
    for (const p of [0, 1, 2, 3]) {
      const inPartition = seen.filter((m) => m.partition === p);
      expect(inPartition.map((m) => m.offset)).toEqual(inPartition.map((_, i) => i));
      const values = inPartition.map((m) => m.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it('when offsets are listed by time, then earliest, latest and a timestamp resolve to the right offsets', async () => {
    const topic = uniqueName('times');
    const producer = cluster.kafka.producer();
    await producer.connect();
    const base = Date.now() - 60_000;
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({
        value: `m${i}`,
        timestamp: String(base + i * 1000),
      })),
    });
    const admin = cluster.kafka.admin();
    await admin.connect();

    const latest = await admin.fetchTopicOffsets(topic);
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, base + 4500);
    await admin.disconnect();
    await producer.disconnect();

    expect(latest).toEqual([{ partition: 0, offset: '10', high: '10', low: '0' }]);
    expect(byTime).toEqual([{ partition: 0, offset: '5' }]);
  });
});

// Conformance: a fetch long-poll answers within milliseconds of data arriving, and not before max_wait_ms otherwise.
import { hostPort, startTestCluster, TestCluster, uniqueName } from './support/test-cluster';
import { kafkajsRequest, RawClient } from './support/raw-client';

interface FetchResult {
  responses: { partitions: { errorCode: number; messages: { value: Buffer }[] }[] }[];
}

describe('fetch long-poll', () => {
  let cluster: TestCluster;
  let raw: RawClient;

  beforeAll(async () => {
    cluster = await startTestCluster();
    const { host, port } = hostPort(cluster.brokers[0]);
    raw = await RawClient.connect(host, port);
  });

  afterAll(async () => {
    raw.close();
    await cluster.stop();
  });

  async function emptyTopic(): Promise<string> {
    const topic = uniqueName('poll');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    return topic;
  }

  const fetchRequest = (topic: string, maxWaitTime: number) =>
    kafkajsRequest('fetch', 4, {
      replicaId: -1,
      maxWaitTime,
      minBytes: 1,
      maxBytes: 1_000_000,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1_000_000 }] }],
    });

  it('when data arrives during a long-poll, then the fetch returns it within a few milliseconds', async () => {
    const topic = await emptyTopic();
    const producer = cluster.kafka.producer();
    await producer.connect();
    const started = Date.now();
    const pending = raw.send<FetchResult>(fetchRequest(topic, 5000)).then((r) => ({ r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 200));

    await producer.send({ topic, messages: [{ value: 'wake' }] });
    const acked = Date.now();
    const { r, at } = await pending;
    await producer.disconnect();

    expect(r.responses[0].partitions[0].messages.map((m) => String(m.value))).toEqual(['wake']);
    expect(at - started).toBeGreaterThanOrEqual(190);
    expect(at - acked).toBeLessThan(50);
  });

  it('when nothing arrives, then the fetch returns empty after max_wait_ms and not before', async () => {
    const topic = await emptyTopic();
    const started = Date.now();

    const r = await raw.send<FetchResult>(fetchRequest(topic, 500));
    const elapsed = Date.now() - started;

    expect(r.responses[0].partitions[0].messages).toEqual([]);
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1500);
  });
});

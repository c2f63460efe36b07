// Conformance: pipelined requests on one connection are answered in order, and many connections are served at once.
import { hostPort, startTestCluster, TestCluster, uniqueName } from './support/test-cluster';
import { kafkajsRequest, RawClient } from './support/raw-client';

describe('connections', () => {
  let cluster: TestCluster;
  let address: { host: string; port: number };

  beforeAll(async () => {
    cluster = await startTestCluster();
    address = hostPort(cluster.brokers[0]);
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when a slow long-poll is followed by quick requests on the same connection, then responses keep request order', async () => {
    const topic = uniqueName('pipe');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const raw = await RawClient.connect(address.host, address.port);
    const slowFetch = kafkajsRequest('fetch', 4, {
      replicaId: -1,
      maxWaitTime: 300,
      minBytes: 1,
      maxBytes: 100_000,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 100_000 }] }],
    });
    const frames = [
      await raw.frame(slowFetch, 101),
      await raw.frame(kafkajsRequest('apiVersions', 0, {}), 102),
      await raw.frame(kafkajsRequest('metadata', 1, { topics: [topic] }), 103),
    ];

    raw.write(Buffer.concat(frames));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await raw.nextResponse()).correlationId);
    raw.close();

    expect(order).toEqual([101, 102, 103]);
  });

  it('when 50 connections ask at once, then every one is answered', async () => {
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => RawClient.connect(address.host, address.port)),
    );

    const answers = await Promise.all(
      clients.map((c) => c.send<{ topicMetadata: unknown[] }>(kafkajsRequest('metadata', 1, { topics: [] }))),
    );
    for (const c of clients) c.close();

    expect(answers).toHaveLength(50);
    for (const a of answers) expect(Array.isArray(a.topicMetadata)).toBe(true);
  });
});

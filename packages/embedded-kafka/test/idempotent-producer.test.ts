// Conformance: a retried idempotent batch is acknowledged without being written twice; a sequence gap is refused.
import { Kafka, logLevel } from 'kafkajs';
import { startEmbeddedKafka } from '../src';
import { startDroppingProxy } from './support/dropping-proxy';
import {
  describeEmbeddedOnly,
  hostPort,
  startTestCluster,
  TestCluster,
  uniqueName,
} from './support/test-cluster';
import { kafkajsRequest, Long, RawClient } from './support/raw-client';

interface ProduceResult {
  topics: { partitions: { errorCode: number; baseOffset: string }[] }[];
}
interface FetchResult {
  responses: { partitions: { errorCode: number; highWatermark: string; messages: { value: Buffer }[] }[] }[];
}

describe('idempotent producer', () => {
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

  async function createTopic(): Promise<string> {
    const topic = uniqueName('idem');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    return topic;
  }

  async function initProducer(): Promise<{ producerId: string; producerEpoch: number }> {
    return raw.send(kafkajsRequest('initProducerId', 0, { transactionalId: null, transactionTimeout: 5000 }));
  }

  function produce(
    topic: string,
    pid: { producerId: string; producerEpoch: number },
    firstSequence: number,
    n: number,
  ) {
    return kafkajsRequest('produce', 3, {
      acks: -1,
      timeout: 5000,
      producerId: Long.fromString(pid.producerId),
      producerEpoch: pid.producerEpoch,
      topicData: [
        {
          topic,
          partitions: [
            {
              partition: 0,
              firstSequence,
              messages: Array.from({ length: n }, (_, i) => ({ key: null, value: `v${firstSequence + i}` })),
            },
          ],
        },
      ],
    });
  }

  it('when the identical produce request is sent twice, then both are acknowledged and the batch is written once', async () => {
    const topic = await createTopic();
    const pid = await initProducer();
    const req = produce(topic, pid, 0, 3);
    const frame = await raw.frame(req);

    raw.write(frame);
    raw.write(frame);
    const first = (await req.response.decode((await raw.nextResponse()).body)) as ProduceResult;
    const retry = (await req.response.decode((await raw.nextResponse()).body)) as ProduceResult;
    const next = await raw.send<ProduceResult>(produce(topic, pid, 3, 2));
    const fetched = await raw.send<FetchResult>(
      kafkajsRequest('fetch', 4, {
        replicaId: -1,
        maxWaitTime: 0,
        minBytes: 0,
        maxBytes: 1_000_000,
        isolationLevel: 0,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1_000_000 }] }],
      }),
    );

    expect(first.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(retry.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(next.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '3' });
    const partition = fetched.responses[0].partitions[0];
    expect(partition.highWatermark).toBe('5');
    expect(partition.messages.map((m) => String(m.value))).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('when a batch skips a sequence number, then it is refused with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const topic = await createTopic();
    const pid = await initProducer();
    await raw.send<ProduceResult>(produce(topic, pid, 0, 2));

    const gap = await raw.send<ProduceResult>(produce(topic, pid, 5, 2));

    expect(gap.topics[0].partitions[0].errorCode).toBe(45);
  });

  it('when kafkajs sends with idempotence on, then every message is written exactly once', async () => {
    const topic = await createTopic();
    const producer = cluster.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 5; i++) {
      await producer.send({
        topic,
        messages: Array.from({ length: 20 }, (_, j) => ({ value: `${i * 20 + j}` })),
      });
    }
    await producer.disconnect();
    const admin = cluster.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets[0].high).toBe('100');
  });
});

describeEmbeddedOnly('idempotent producer behind a lossy network', () => {
  it('when the first produce acknowledgement is lost, then kafkajs retries and the batch is still written once', async () => {
    const PRODUCE = 0;
    const proxy = await startDroppingProxy(PRODUCE, 1);
    const broker = await startEmbeddedKafka({ advertisedPort: proxy.port });
    proxy.upstreamPort = broker.port;
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${proxy.port}`],
      logLevel: logLevel.NOTHING,
      requestTimeout: 500,
      retry: { retries: 5, initialRetryTime: 50 },
    });
    const topic = uniqueName('lossy');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const sent = await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    });
    await producer.send({ topic, messages: [{ value: 'next' }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    await producer.disconnect();
    await admin.disconnect();
    await proxy.close();
    await broker.stop();

    expect(proxy.dropped).toBe(1);
    expect(sent[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(offsets[0].high).toBe('11');
  });
});

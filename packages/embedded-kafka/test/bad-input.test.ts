// Conformance: bad requests get Kafka's error codes or a closed connection, and never take the broker down.
import { Kafka } from 'kafkajs';
import {
  describeEmbeddedOnly,
  hostPort,
  kafkaClient,
  startTestCluster,
  TestCluster,
  uniqueName,
} from './support/test-cluster';
import { kafkajsRequest, RawClient } from './support/raw-client';

interface MetadataResult {
  topicMetadata: { topicErrorCode: number; topic: string }[];
}
interface FetchResult {
  responses: { partitions: { errorCode: number }[] }[];
}
interface ProduceResult {
  topics: { partitions: { errorCode: number }[] }[];
}

function requestFrame(apiKey: number, apiVersion: number, body: Buffer, correlationId = 7): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(-1, 8); // null client id
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

describe('bad input', () => {
  let cluster: TestCluster;
  let address: { host: string; port: number };

  beforeAll(async () => {
    cluster = await startTestCluster();
    address = hostPort(cluster.brokers[0]);
  });

  afterAll(async () => {
    await cluster.stop();
  });

  async function topicWithOneMessage(): Promise<string> {
    const topic = uniqueName('bad');
    const producer = cluster.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'only' }] });
    await producer.disconnect();
    return topic;
  }

  it('when a connection sends a malformed frame, then only that connection is closed', async () => {
    const bystander = await RawClient.connect(address.host, address.port);
    const offender = await RawClient.connect(address.host, address.port);
    const truncatedMetadata = requestFrame(3, 1, Buffer.from([0x00, 0x00, 0x03, 0xe8, 0x00]));

    offender.write(truncatedMetadata);
    await offender.closed;
    const stillServed = await bystander.send<MetadataResult>(kafkajsRequest('metadata', 1, { topics: [] }));
    bystander.close();

    expect(stillServed.topicMetadata).toBeDefined();
  });

  it('when ApiVersions comes in an unknown version, then the answer is UNSUPPORTED_VERSION with the supported list', async () => {
    const raw = await RawClient.connect(address.host, address.port);

    raw.write(requestFrame(18, 99, Buffer.alloc(0)));
    const { correlationId, body } = await raw.nextResponse();
    raw.close();

    expect(correlationId).toBe(7);
    expect(body.readInt16BE(0)).toBe(35);
    const keys: number[] = [];
    for (let i = 0, n = body.readInt32BE(2); i < n; i++) keys.push(body.readInt16BE(6 + i * 6));
    expect(keys).toEqual(expect.arrayContaining([0, 1, 3, 18]));
  });

  it('when another API comes in an unknown version, then that connection is closed and the broker keeps serving', async () => {
    const raw = await RawClient.connect(address.host, address.port);

    raw.write(requestFrame(3, 999, Buffer.alloc(4)));
    await raw.closed;
    const admin = cluster.kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();

    expect(Array.isArray(topics)).toBe(true);
  });

  it('when a batch is larger than the message size limit, then the produce fails with MESSAGE_TOO_LARGE', async () => {
    const producer = new Kafka({ brokers: cluster.brokers, retry: { retries: 0 }, logLevel: 0 }).producer();
    await producer.connect();

    const sending = producer.send({
      topic: uniqueName('big'),
      messages: [{ value: Buffer.alloc(2 * 1024 * 1024, 1) }],
    });

    await expect(sending).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    await producer.disconnect();
  });

  it('when a topic is unknown and auto-creation is not allowed, then Metadata answers UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const raw = await RawClient.connect(address.host, address.port);
    const topic = uniqueName('absent');

    const res = await raw.send<MetadataResult>(
      kafkajsRequest('metadata', 4, { topics: [topic], allowAutoTopicCreation: false }),
    );
    raw.close();

    expect(res.topicMetadata).toEqual([expect.objectContaining({ topic, topicErrorCode: 3 })]);
  });

  it('when a fetch asks beyond the log end, then the partition answers OFFSET_OUT_OF_RANGE', async () => {
    const topic = await topicWithOneMessage();
    const raw = await RawClient.connect(address.host, address.port);

    const res = await raw.send<FetchResult>(
      kafkajsRequest('fetch', 4, {
        replicaId: -1,
        maxWaitTime: 0,
        minBytes: 0,
        maxBytes: 100_000,
        isolationLevel: 0,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '100', maxBytes: 100_000 }] }],
      }),
    );
    raw.close();

    expect(res.responses[0].partitions[0].errorCode).toBe(1);
  });
});

describeEmbeddedOnly('bad input with auto-creation off', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster({ autoCreateTopics: false });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when a producer writes to an unknown topic, then it gets UNKNOWN_TOPIC_OR_PARTITION and no topic appears', async () => {
    const topic = uniqueName('absent');
    const { host, port } = hostPort(cluster.brokers[0]);
    const raw = await RawClient.connect(host, port);

    const res = await raw.send<ProduceResult>(
      kafkajsRequest('produce', 3, {
        acks: -1,
        timeout: 1000,
        topicData: [{ topic, partitions: [{ partition: 0, messages: [{ value: 'x' }] }] }],
      }),
    );
    const metadata = await raw.send<MetadataResult>(kafkajsRequest('metadata', 1, { topics: [topic] }));
    raw.close();
    const admin = kafkaClient(cluster.brokers).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();

    expect(res.topics[0].partitions[0].errorCode).toBe(3);
    expect(metadata.topicMetadata[0].topicErrorCode).toBe(3);
    expect(topics).not.toContain(topic);
  });
});

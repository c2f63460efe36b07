// The broker's limits: partitions per topic, connections, request size, array counts, in-flight requests and
// unsent bytes. Each one refuses or closes only what passes it, and the broker keeps serving everyone else.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { EmbeddedKafka, startEmbeddedKafka } from '../src';
import { buildBatch } from './support/batch-builder';
import { int32, kafkaString, produceBody, requestFrame, resealBatch, sizePrefix } from './support/frames';
import { kafkajsRequest, RawClient } from './support/raw-client';
import { describeEmbeddedOnly, hostPort, kafkaClient, uniqueName, waitFor } from './support/test-cluster';

interface CreateTopicsResult {
  topicErrors: { topic: string; errorCode: number }[];
}
interface CreatePartitionsResult {
  topicErrors: { topic: string; errorCode: number }[];
}
interface MetadataResult {
  topicMetadata: { topic: string; topicErrorCode: number; partitionMetadata: unknown[] }[];
}
interface ListOffsetsResult {
  responses: { partitions: { partition: number; errorCode: number; offset: string }[] }[];
}

const INVALID_PARTITIONS = 37;

async function connect(broker: EmbeddedKafka): Promise<RawClient> {
  const { host, port } = hostPort(broker.brokers[0]);
  return RawClient.connect(host, port);
}

/** Resolves true when the connection is closed by the broker within the time, false when it stays open. */
function closedWithin(client: RawClient, ms: number): Promise<boolean> {
  return Promise.race([
    client.closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

async function produceAndConsumeOne(broker: EmbeddedKafka): Promise<string> {
  const kafka = kafkaClient(broker.brokers);
  const topic = uniqueName('alive');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: 'still here' }] });
  await producer.disconnect();
  const raw = await connect(broker);
  const res = await raw.send<{ responses: { partitions: { messages: { value: Buffer }[] }[] }[] }>(
    kafkajsRequest('fetch', 4, {
      replicaId: -1,
      maxWaitTime: 0,
      minBytes: 0,
      maxBytes: 100_000,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 100_000 }] }],
    }),
  );
  raw.close();
  return String(res.responses[0].partitions[0].messages[0].value);
}

describeEmbeddedOnly('limits', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-limits-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function partitionDirs(topic: string): string[] {
    const root = path.join(dataDir, 'topics');
    return existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(`${topic}-`)) : [];
  }

  it('when CreateTopics asks for 65 partitions, then it gets INVALID_PARTITIONS and nothing is created, also after a restart', async () => {
    const broker = await startEmbeddedKafka({ dataDir });
    const tooMany = uniqueName('wide');
    const justRight = uniqueName('wide');
    const raw = await connect(broker);

    const res = await raw.send<CreateTopicsResult>(
      kafkajsRequest('createTopics', 1, {
        topics: [
          { topic: tooMany, numPartitions: 65, replicationFactor: 1 },
          { topic: justRight, numPartitions: 64, replicationFactor: 1 },
        ],
        timeout: 1000,
      }),
    );
    raw.close();
    await broker.stop();
    const restarted = await startEmbeddedKafka({ dataDir });
    const again = await connect(restarted);
    const metadata = await again.send<MetadataResult>(
      kafkajsRequest('metadata', 4, { topics: [tooMany, justRight], allowAutoTopicCreation: false }),
    );
    again.close();
    await restarted.stop();

    const byTopic = new Map(res.topicErrors.map((t) => [t.topic, t.errorCode]));
    expect(byTopic.get(tooMany)).toBe(INVALID_PARTITIONS);
    expect(byTopic.get(justRight)).toBe(0);
    expect(partitionDirs(tooMany)).toEqual([]);
    expect(partitionDirs(justRight)).toHaveLength(64);
    const meta = new Map(metadata.topicMetadata.map((t) => [t.topic, t]));
    expect(meta.get(tooMany)?.topicErrorCode).toBe(3);
    expect(meta.get(justRight)?.partitionMetadata).toHaveLength(64);
  });

  it('when CreatePartitions grows a topic past 64, then it gets INVALID_PARTITIONS and the topic keeps its partitions', async () => {
    const broker = await startEmbeddedKafka({ dataDir });
    const topic = uniqueName('grow');
    const raw = await connect(broker);
    await raw.send<CreateTopicsResult>(
      kafkajsRequest('createTopics', 1, {
        topics: [{ topic, numPartitions: 60, replicationFactor: 1 }],
        timeout: 1000,
      }),
    );

    const res = await raw.send<CreatePartitionsResult>(
      kafkajsRequest('createPartitions', 0, { topicPartitions: [{ topic, count: 65 }], timeout: 1000 }),
    );
    const metadata = await raw.send<MetadataResult>(kafkajsRequest('metadata', 1, { topics: [topic] }));
    raw.close();
    await broker.stop();

    expect(res.topicErrors[0].errorCode).toBe(INVALID_PARTITIONS);
    expect(metadata.topicMetadata[0].partitionMetadata).toHaveLength(60);
    expect(partitionDirs(topic)).toHaveLength(60);
  });

  it('when the data dir holds partition directories past the limit, then the broker starts without opening them', async () => {
    const topic = uniqueName('planted');
    mkdirSync(path.join(dataDir, 'topics', `${topic}-0`), { recursive: true });
    mkdirSync(path.join(dataDir, 'topics', `${topic}-5000`), { recursive: true });

    const broker = await startEmbeddedKafka({ dataDir, maxPartitionsPerTopic: 4 });
    const stats = broker.stats();
    await broker.stop();

    expect(stats.partitions).toBe(4);
    expect(partitionDirs(topic).sort()).toEqual([0, 1, 2, 3, 5000].map((p) => `${topic}-${p}`).sort());
  });

  it('when the broker-wide partition limit is reached, then CreateTopics and auto-creation are refused and nothing is created', async () => {
    const broker = await startEmbeddedKafka({ dataDir, maxPartitions: 10 });
    const full = uniqueName('full');
    const over = uniqueName('over');
    const auto = uniqueName('auto');
    const raw = await connect(broker);

    const created = await raw.send<CreateTopicsResult>(
      kafkajsRequest('createTopics', 1, {
        topics: [{ topic: full, numPartitions: 10, replicationFactor: 1 }],
        timeout: 1000,
      }),
    );
    const refused = await raw.send<CreateTopicsResult>(
      kafkajsRequest('createTopics', 1, {
        topics: [{ topic: over, numPartitions: 1, replicationFactor: 1 }],
        timeout: 1000,
      }),
    );
    const metadata = await raw.send<MetadataResult>(kafkajsRequest('metadata', 4, { topics: [auto] }));
    raw.close();
    const stats = broker.stats();
    await broker.stop();

    expect(created.topicErrors[0].errorCode).toBe(0);
    expect(refused.topicErrors[0].errorCode).toBe(INVALID_PARTITIONS);
    expect(metadata.topicMetadata[0].topicErrorCode).toBe(INVALID_PARTITIONS);
    expect(stats.partitions).toBe(10);
    expect([...partitionDirs(over), ...partitionDirs(auto)]).toEqual([]);
  });

  it('when defaultPartitions is above maxPartitionsPerTopic, then the broker refuses to start', async () => {
    await expect(startEmbeddedKafka({ defaultPartitions: 8, maxPartitionsPerTopic: 4 })).rejects.toThrow(
      /maxPartitionsPerTopic/,
    );
  });

  it('when the connection limit is reached, then the next connection is closed at once and a freed slot is reused', async () => {
    const broker = await startEmbeddedKafka({ maxConnections: 5 });
    const open = await Promise.all(Array.from({ length: 5 }, () => connect(broker)));
    await waitFor(() => broker.stats().connections === 5, 'five connections');

    const sixth = await connect(broker);
    const sixthClosed = await closedWithin(sixth, 5000);
    open[0].close();
    await waitFor(() => broker.stats().connections === 4, 'a freed slot');
    const replacement = await connect(broker);
    const served = await replacement.send<MetadataResult>(kafkajsRequest('metadata', 1, { topics: [] }));
    const othersOpen = await Promise.all(open.slice(1).map((c) => closedWithin(c, 100)));
    for (const c of [...open, replacement]) c.close();
    await broker.stop();

    expect(sixthClosed).toBe(true);
    expect(served.topicMetadata).toEqual([]);
    expect(othersOpen).toEqual([false, false, false, false]);
  });

  it('when a frame declares more than the request size limit, or zero, or a negative size, then only that connection is closed', async () => {
    const broker = await startEmbeddedKafka({ maxRequestBytes: 1024 * 1024 });
    const bystander = await connect(broker);
    const offenders = await Promise.all([connect(broker), connect(broker), connect(broker)]);
    const rssBefore = process.memoryUsage().rss;

    offenders[0].write(sizePrefix(1024 * 1024 + 1));
    offenders[1].write(sizePrefix(0));
    offenders[2].write(Buffer.concat([sizePrefix(-5), Buffer.alloc(64)]));
    const closed = await Promise.all(offenders.map((c) => closedWithin(c, 5000)));
    const served = await bystander.send<MetadataResult>(kafkajsRequest('metadata', 1, { topics: [] }));
    bystander.close();
    const value = await produceAndConsumeOne(broker);
    const rssAfter = process.memoryUsage().rss;
    await broker.stop();

    expect(closed).toEqual([true, true, true]);
    expect(served.topicMetadata).toBeDefined();
    expect(value).toBe('still here');
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('when ListOffsets or Produce declares a huge array count, then the connection is closed before anything is allocated', async () => {
    const broker = await startEmbeddedKafka();
    const rssBefore = process.memoryUsage().rss;
    const frames = [
      // ListOffsets v1: replica id, then 2^31-1 topics in a few bytes.
      requestFrame(2, 1, Buffer.concat([int32(-1), int32(0x7fffffff), Buffer.alloc(16)])),
      // ListOffsets v1: one topic with 2^31-1 partitions.
      requestFrame(2, 1, Buffer.concat([int32(-1), int32(1), kafkaString('t'), int32(0x7fffffff)])),
      // Produce v3: 2^31-1 topics.
      requestFrame(
        0,
        3,
        Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), int32(1000), int32(0x7fffffff)]),
      ),
      // Produce v3: a count the frame could back at one byte per item, but not at the 8 bytes one partition takes.
      requestFrame(
        0,
        3,
        Buffer.concat([
          Buffer.from([0xff, 0xff, 0xff, 0xff]),
          int32(1000),
          int32(1),
          kafkaString('t'),
          int32(600_000),
          Buffer.alloc(600_000),
        ]),
      ),
      // Produce v3: records whose declared size is larger than the frame.
      requestFrame(
        0,
        3,
        Buffer.concat([
          Buffer.from([0xff, 0xff, 0xff, 0xff]),
          int32(1000),
          int32(1),
          kafkaString('t'),
          int32(1),
          int32(0),
          int32(0x7ffffff0),
        ]),
      ),
    ];

    const closed: boolean[] = [];
    for (const frame of frames) {
      const raw = await connect(broker);
      raw.write(frame);
      closed.push(await closedWithin(raw, 5000));
    }
    const value = await produceAndConsumeOne(broker);
    const rssAfter = process.memoryUsage().rss;
    await broker.stop();

    expect(closed).toEqual([true, true, true, true, true]);
    expect(value).toBe('still here');
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('when a stored batch lies about its records, then ListOffsets by timestamp answers at batch level without running away', async () => {
    const broker = await startEmbeddedKafka();
    const topic = uniqueName('crafted');
    // A valid header and CRC, 2^31-1 records claimed, and a first record whose length is negative.
    const lying = buildBatch({ values: ['a', 'b', 'c'], timestamps: [1000, 2000, 3000] });
    lying.writeInt32BE(0x7fffffff, 57);
    lying.writeUInt8(0x01, 61); // zigzag varint -1
    resealBatch(lying);
    // A gzip batch that inflates to 64 MiB of zeros.
    const bomb = buildBatch({ values: ['x'], timestamps: [5000] });
    const inflated = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const header = Buffer.from(bomb.subarray(0, 61));
    header.writeInt32BE(61 - 12 + inflated.length, 8);
    header.writeInt16BE(1, 21); // gzip
    const gzipBomb = resealBatch(Buffer.concat([header, inflated]));
    const raw = await connect(broker);
    for (const [i, batch] of [lying, gzipBomb].entries()) {
      raw.write(requestFrame(0, 3, produceBody(topic, 0, batch), 100 + i));
      const { body } = await raw.nextResponse();
      expect(body.readInt16BE(4 + 2 + topic.length + 4 + 4)).toBe(0);
    }
    const rssBefore = process.memoryUsage().rss;

    const started = Date.now();
    const res = await raw.send<ListOffsetsResult>(
      kafkajsRequest('listOffsets', 1, {
        replicaId: -1,
        topics: [
          { topic, partitions: [{ partition: 0, timestamp: 2500 }] },
          { topic, partitions: [{ partition: 0, timestamp: 4000 }] },
        ],
      }),
    );
    const elapsed = Date.now() - started;
    const rssAfter = process.memoryUsage().rss;
    raw.close();
    const value = await produceAndConsumeOne(broker);
    await broker.stop();

    expect(res.responses.map((r) => r.partitions[0])).toEqual([
      expect.objectContaining({ errorCode: 0, offset: '0' }),
      expect.objectContaining({ errorCode: 0, offset: '3' }),
    ]);
    expect(elapsed).toBeLessThan(5000);
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(value).toBe('still here');
  });

  it('when more requests are pipelined than the in-flight limit, then reading pauses and every request is still answered in order', async () => {
    const broker = await startEmbeddedKafka({ maxInFlightRequests: 2 });
    const raw = await connect(broker);
    const requests = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        raw.frame(kafkajsRequest('metadata', 1, { topics: [] }), 1000 + i),
      ),
    );

    raw.write(Buffer.concat(requests));
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await raw.nextResponse()).correlationId);
    raw.close();
    await broker.stop();

    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
  });

  it('when a client never reads its responses, then the broker stops reading from it and closes it after the drain timeout', async () => {
    const broker = await startEmbeddedKafka({ maxUnsentBytes: 64 * 1024, drainTimeoutMs: 500 });
    const topic = uniqueName('unread');
    const producer = kafkaClient(broker.brokers).producer();
    await producer.connect();
    for (let i = 0; i < 4; i++) {
      await producer.send({ topic, messages: [{ value: Buffer.alloc(900 * 1024, i) }] });
    }
    await producer.disconnect();
    const hoarder = await connect(broker);
    hoarder.pause();
    const fetch = (id: number) =>
      hoarder.frame(
        kafkajsRequest('fetch', 4, {
          replicaId: -1,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: 8 * 1024 * 1024,
          isolationLevel: 0,
          topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 8 * 1024 * 1024 }] }],
        }),
        id,
      );

    await waitFor(() => broker.stats().connections === 1, 'the hoarding connection only');

    hoarder.write(Buffer.concat(await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(i + 1)))));
    // The paused client cannot see the close itself, so it is observed on the broker's side.
    await waitFor(
      () => broker.stats().connections === 0,
      'the broker to close the hoarding connection',
      10_000,
    );
    const value = await produceAndConsumeOne(broker);
    hoarder.close();
    await broker.stop();

    expect(value).toBe('still here');
  });
});

// Empty consumer groups (no members) are removed after their session timeout, with their committed offsets, so
// short-lived consumers do not leave a group each behind; groups that still have members keep everything.
import { startEmbeddedKafka } from '../src';
import { kafkajsRequest, RawClient } from './support/raw-client';
import { describeEmbeddedOnly, hostPort, kafkaClient, uniqueName, waitFor } from './support/test-cluster';

interface JoinResult {
  errorCode: number;
  generationId: number;
  memberId: string;
}

function join(raw: RawClient, groupId: string, sessionTimeout = 500): Promise<JoinResult> {
  return raw.send<JoinResult>(
    kafkajsRequest('joinGroup', 1, {
      groupId,
      sessionTimeout,
      rebalanceTimeout: 1000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }],
    }),
  );
}

/** One consumer's whole life on a raw connection: join, sync, commit, leave. */
async function shortLivedConsumer(raw: RawClient, groupId: string, topic: string): Promise<void> {
  const joined = await join(raw, groupId);
  await raw.send(
    kafkajsRequest('syncGroup', 0, {
      groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupAssignment: [{ memberId: joined.memberId, memberAssignment: Buffer.alloc(0) }],
    }),
  );
  await raw.send(
    kafkajsRequest('offsetCommit', 2, {
      groupId,
      groupGenerationId: joined.generationId,
      memberId: joined.memberId,
      retentionTime: -1,
      topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }],
    }),
  );
  await raw.send(kafkajsRequest('leaveGroup', 0, { groupId, memberId: joined.memberId }));
}

describeEmbeddedOnly('empty group expiry', () => {
  it('when the last member leaves, then the group and its offsets go after the session timeout while a group with a member keeps its own', async () => {
    const broker = await startEmbeddedKafka();
    const kafka = kafkaClient(broker.brokers);
    const topic = uniqueName('expiry');
    const leaving = uniqueName('leaving');
    const staying = uniqueName('staying');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const consume = async (groupId: string) => {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 1000,
        heartbeatInterval: 100,
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let seen = 0;
      await consumer.run({ autoCommitInterval: 50, eachMessage: async () => void seen++ });
      await waitFor(() => seen === 2, `${groupId} to read both messages`);
      await waitFor(() => broker.stats().groups >= 1, 'the group');
      return consumer;
    };
    const leaver = await consume(leaving);
    const stayer = await consume(staying);
    const committedBefore = await admin.fetchOffsets({ groupId: leaving, topics: [topic] });

    await leaver.disconnect();
    const listedRightAfter = (await admin.listGroups()).groups.map((g) => g.groupId);
    await waitFor(
      () => broker.stats().groups === 1,
      'the empty group to expire after its 1 s session timeout',
      10_000,
    );
    const listedAfter = (await admin.listGroups()).groups.map((g) => g.groupId);
    const committedAfter = await admin.fetchOffsets({ groupId: leaving, topics: [topic] });
    const stayerOffsets = await admin.fetchOffsets({ groupId: staying, topics: [topic] });
    await stayer.disconnect();
    await admin.disconnect();
    await broker.stop();

    expect(committedBefore[0].partitions[0].offset).toBe('2');
    expect(listedRightAfter).toEqual(expect.arrayContaining([leaving, staying]));
    expect(listedAfter).toEqual([staying]);
    expect(committedAfter[0].partitions[0].offset).toBe('-1');
    expect(stayerOffsets[0].partitions[0].offset).toBe('2');
  });

  it('when 1,000 short-lived consumers each use their own group, then no group is left once their sessions time out', async () => {
    const broker = await startEmbeddedKafka();
    const { host, port } = hostPort(broker.brokers[0]);
    const topic = uniqueName('many');
    const admin = kafkaClient(broker.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const connections = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(host, port)));
    let next = 0;
    let peak = 0;

    await Promise.all(
      connections.map(async (raw) => {
        while (next < 1000) {
          const groupId = `short-lived-${next++}`;
          await shortLivedConsumer(raw, groupId, topic);
          peak = Math.max(peak, broker.stats().groups);
        }
      }),
    );
    for (const raw of connections) raw.close();
    await waitFor(() => broker.stats().groups === 0, 'every empty group to expire', 15_000);
    const listed = await admin.listGroups();
    await admin.disconnect();
    await broker.stop();

    expect(next).toBeGreaterThanOrEqual(1000);
    expect(peak).toBeGreaterThan(0);
    expect(listed.groups).toEqual([]);
  });

  it('when offsets are committed without a group generation, then the group is kept while commits continue and expires after', async () => {
    const broker = await startEmbeddedKafka({ emptyGroupRetentionMs: 400 });
    const { host, port } = hostPort(broker.brokers[0]);
    const topic = uniqueName('standalone');
    const groupId = uniqueName('standalone');
    const admin = kafkaClient(broker.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const raw = await RawClient.connect(host, port);
    const commit = (offset: number) =>
      raw.send(
        kafkajsRequest('offsetCommit', 2, {
          groupId,
          groupGenerationId: -1,
          memberId: '',
          retentionTime: -1,
          topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }],
        }),
      );

    for (let i = 1; i <= 10; i++) {
      await commit(i);
      await new Promise((r) => setTimeout(r, 100));
    }
    const whileCommitting = await admin.fetchOffsets({ groupId, topics: [topic] });
    await waitFor(() => broker.stats().groups === 0, 'the idle group to expire', 10_000);
    const afterIdle = await admin.fetchOffsets({ groupId, topics: [topic] });
    raw.close();
    await admin.disconnect();
    await broker.stop();

    expect(whileCommitting[0].partitions[0].offset).toBe('10');
    expect(afterIdle[0].partitions[0].offset).toBe('-1');
  });

  it('when the group limit is reached, then a new group is refused with a retriable error until an empty one expires', async () => {
    const broker = await startEmbeddedKafka({ maxGroups: 3, emptyGroupRetentionMs: 300 });
    const { host, port } = hostPort(broker.brokers[0]);
    const raw = await RawClient.connect(host, port);
    const held = [uniqueName('held'), uniqueName('held'), uniqueName('held')];
    const joined = [];
    for (const groupId of held) joined.push(await join(raw, groupId, 60_000));

    const refused = await join(raw, uniqueName('extra'));
    await raw.send(kafkajsRequest('leaveGroup', 0, { groupId: held[0], memberId: joined[0].memberId }));
    await waitFor(() => broker.stats().groups === 2, 'the left group to expire');
    const admitted = await join(raw, uniqueName('extra'), 60_000);
    raw.close();
    await broker.stop();

    expect(refused.errorCode).toBe(15); // COORDINATOR_NOT_AVAILABLE
    expect(admitted.errorCode).toBe(0);
  });

  it('when a group has as many members as allowed, then one more gets GROUP_MAX_SIZE_REACHED', async () => {
    // The initial delay lets both first members into the same generation.
    const broker = await startEmbeddedKafka({ maxGroupMembers: 2, groupInitialRebalanceDelayMs: 300 });
    const { host, port } = hostPort(broker.brokers[0]);
    const groupId = uniqueName('crowded');
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(host, port)));

    const firstTwo = await Promise.all(clients.slice(0, 2).map((c) => join(c, groupId, 60_000)));
    const third = await join(clients[2], groupId);
    for (const c of clients) c.close();
    await broker.stop();

    expect(firstTwo.map((j) => j.errorCode)).toEqual([0, 0]);
    expect(third.errorCode).toBe(81); // GROUP_MAX_SIZE_REACHED
  });
});

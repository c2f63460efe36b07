// Conformance: topics and partitions can be created, listed, described, grown and deleted through the admin client.
import { ConfigResourceTypes } from 'kafkajs';
import { startTestCluster, TestCluster, uniqueName, waitFor } from './support/test-cluster';

describe('admin', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when topics are created, grown and deleted, then listing and describing follow each step', async () => {
    const admin = cluster.kafka.admin();
    await admin.connect();
    const a = uniqueName('admin-a');
    const b = uniqueName('admin-b');

    const created = await admin.createTopics({
      topics: [
        { topic: a, numPartitions: 2, replicationFactor: 1 },
        {
          topic: b,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: '60000' }],
        },
      ],
      waitForLeaders: true,
    });
    const createdAgain = await admin.createTopics({ topics: [{ topic: a, numPartitions: 2 }] });
    const listed = await admin.listTopics();
    await admin.createPartitions({ topicPartitions: [{ topic: a, count: 5 }] });
    const described = await admin.fetchTopicMetadata({ topics: [a, b] });
    const configs = await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: b, configNames: ['retention.ms', 'cleanup.policy'] },
      ],
      includeSynonyms: false,
    });
    const shrink = admin.createPartitions({ topicPartitions: [{ topic: a, count: 3 }] });
    await expect(shrink).rejects.toThrow();
    await admin.deleteTopics({ topics: [a] });
    const afterDelete = await admin.listTopics();
    await admin.disconnect();

    expect(created).toBe(true);
    expect(createdAgain).toBe(false);
    expect(listed).toEqual(expect.arrayContaining([a, b]));
    const byName = new Map(
      described.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionId).sort()]),
    );
    expect(byName.get(a)).toEqual([0, 1, 2, 3, 4]);
    expect(byName.get(b)).toEqual([0]);
    const entries = configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['retention.ms', '60000'],
        ['cleanup.policy', 'delete'],
      ]),
    );
    expect(afterDelete).not.toContain(a);
    expect(afterDelete).toContain(b);
  });

  it('when a group has committed offsets and no members, then it can be listed, described and deleted', async () => {
    const topic = uniqueName('admin-g');
    const groupId = uniqueName('admin-group');
    const producer = cluster.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const admin = cluster.kafka.admin();
    await admin.connect();

    const consumer = cluster.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    await consumer.run({ eachMessage: async () => void consumed++ });
    await waitFor(() => consumed === 2, 'both messages');
    await consumer.disconnect();
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const listed = await admin.listGroups();
    const described = await admin.describeGroups([groupId]);
    await admin.deleteGroups([groupId]);
    const afterDelete = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();

    expect(offsets[0].partitions).toEqual([expect.objectContaining({ partition: 0, offset: '2' })]);
    expect(listed.groups.map((g) => g.groupId)).toContain(groupId);
    expect(described.groups[0]).toMatchObject({ groupId, state: 'Empty', members: [] });
    expect(afterDelete[0].partitions).toEqual([expect.objectContaining({ partition: 0, offset: '-1' })]);
  });
});

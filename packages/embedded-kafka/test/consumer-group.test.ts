// Conformance: a group of three shares six partitions and rebalances without losing messages when one leaves.
import type { Consumer } from 'kafkajs';
import { startTestCluster, TestCluster, uniqueName, waitFor } from './support/test-cluster';

interface Member {
  consumer: Consumer;
  assigned: number[];
  received: string[];
}

describe('consumer group', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when a member of a 3-member group leaves, then its partitions move to the others and no message is lost', async () => {
    const topic = uniqueName('shared');
    const groupId = uniqueName('group');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = cluster.kafka.producer();
    await producer.connect();

    const members: Member[] = [];
    for (let i = 0; i < 3; i++) {
      const consumer = cluster.kafka.consumer({
        groupId,
        sessionTimeout: 6000,
        rebalanceTimeout: 4000,
        heartbeatInterval: 200,
        maxWaitTimeInMs: 100,
      });
      const member: Member = { consumer, assigned: [], received: [] };
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        member.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort();
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          member.received.push(String(message.value));
        },
      });
      members.push(member);
    }
    const covered = (ms: Member[], each: number) =>
      ms.every((m) => m.assigned.length === each) && new Set(ms.flatMap((m) => m.assigned)).size === 6;
    await waitFor(() => covered(members, 2), 'three members with two partitions each');

    const sent: string[] = [];
    const produce = async (from: number) => {
      for (let p = 0; p < 6; p++) {
        const messages = Array.from({ length: 50 }, (_, i) => ({
          value: `${from + p * 50 + i}`,
          partition: p,
        }));
        sent.push(...messages.map((m) => m.value));
        await producer.send({ topic, messages });
      }
    };
    const receivedAll = () => {
      const got = new Set(members.flatMap((m) => m.received));
      return sent.every((v) => got.has(v));
    };
    await produce(0);
    await waitFor(receivedAll, 'first 300 messages');

    const [stay1, stay2, leaver] = members;
    const leaverPartitions = leaver.assigned;
    await leaver.consumer.disconnect();
    await waitFor(() => covered([stay1, stay2], 3), 'the two remaining members taking three partitions each');
    const beforeSecondRound = stay1.received.length + stay2.received.length;
    await produce(1000);
    await waitFor(receivedAll, 'second 300 messages');

    const takenOver = [...stay1.assigned, ...stay2.assigned].filter((p) => leaverPartitions.includes(p));
    expect(takenOver.sort()).toEqual(leaverPartitions);
    expect(stay1.received.length + stay2.received.length - beforeSecondRound).toBeGreaterThanOrEqual(300);
    expect(new Set(members.flatMap((m) => m.received))).toEqual(new Set(sent));

    await Promise.all([stay1.consumer.disconnect(), stay2.consumer.disconnect()]);
    const description = await admin.describeGroups([groupId]);
    expect(description.groups[0].state).toBe('Empty');
    await producer.disconnect();
    await admin.disconnect();
  });
});

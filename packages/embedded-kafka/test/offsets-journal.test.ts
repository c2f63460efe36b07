// The committed-offsets journal is compacted when it passes its size, so it stays bounded, and the latest offsets
// survive a restart and a kill -9 at any moment, compaction included.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmbeddedKafka } from '../src';
import { startBrokerProcess } from './support/broker-process';
import { kafkajsRequest, RawClient } from './support/raw-client';
import { describeEmbeddedOnly, hostPort, kafkaClient, uniqueName } from './support/test-cluster';

interface OffsetFetchResult {
  responses: { partitions: { partition: number; offset: string }[] }[];
}

const PARTITIONS = 8;

function commit(raw: RawClient, groupId: string, topic: string, partition: number, offset: number) {
  return raw.send(
    kafkajsRequest('offsetCommit', 2, {
      groupId,
      groupGenerationId: -1,
      memberId: '',
      retentionTime: -1,
      topics: [{ topic, partitions: [{ partition, offset: String(offset) }] }],
    }),
  );
}

async function committedOffsets(raw: RawClient, groupId: string, topic: string): Promise<number[]> {
  const res = await raw.send<OffsetFetchResult>(
    kafkajsRequest('offsetFetch', 1, {
      groupId,
      topics: [{ topic, partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition })) }],
    }),
  );
  return res.responses[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

async function createTopic(raw: RawClient, topic: string): Promise<void> {
  await raw.send(
    kafkajsRequest('createTopics', 1, {
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      timeout: 1000,
    }),
  );
}

describeEmbeddedOnly('offsets journal', () => {
  let dataDir: string;
  const journal = () => path.join(dataDir, 'groups', 'offsets.log');

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-journal-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when thousands of commits go through, then the journal stays bounded and the latest offsets survive a restart', async () => {
    const options = { dataDir, offsetsJournalCompactBytes: 4096, emptyGroupRetentionMs: 600_000 };
    const broker = await startEmbeddedKafka(options);
    const { host, port } = hostPort(broker.brokers[0]);
    const topic = uniqueName('journal');
    const groups = [uniqueName('g'), uniqueName('g')];
    const raw = await RawClient.connect(host, port);
    await createTopic(raw, topic);
    let largest = 0;

    for (let i = 1; i <= 2500; i++) {
      for (const groupId of groups) await commit(raw, groupId, topic, i % PARTITIONS, i);
      if (i % 100 === 0) largest = Math.max(largest, statSync(journal()).size);
    }
    raw.close();
    await broker.stop();
    const sizeAtStop = statSync(journal()).size;
    const restarted = await startEmbeddedKafka(options);
    const again = await RawClient.connect(host, hostPort(restarted.brokers[0]).port);
    const after = await Promise.all(groups.map((g) => committedOffsets(again, g, topic)));
    again.close();
    const admin = kafkaClient(restarted.brokers).admin();
    await admin.connect();
    const viaAdmin = await admin.fetchOffsets({ groupId: groups[0], topics: [topic] });
    await admin.disconnect();
    await restarted.stop();

    const expected = Array.from({ length: PARTITIONS }, (_, p) => 2500 - ((2500 - p) % PARTITIONS));
    expect(after).toEqual([expected, expected]);
    expect(viaAdmin[0].partitions.find((p) => p.partition === 3)?.offset).toBe(String(expected[3]));
    // 5,000 commit lines are over 500 KB; compaction keeps the file near the 4 KiB threshold.
    expect(largest).toBeLessThan(8 * 1024);
    expect(sizeAtStop).toBeLessThan(8 * 1024);
  });

  it('when the broker is killed with -9 while offsets are committed and compacted, then every acknowledged commit survives', async () => {
    const topic = uniqueName('killed');
    const groupId = uniqueName('g');
    const args = [
      '--data-dir',
      dataDir,
      '--offsets-journal-compact-bytes',
      '2048',
      '--empty-group-retention-ms',
      '600000',
    ];
    let acked = 0;
    let sent = 0;

    for (let round = 0; round < 3; round++) {
      const proc = await startBrokerProcess(args);
      const { host, port } = hostPort(proc.broker);
      const raw = await RawClient.connect(host, port);
      if (round === 0) await createTopic(raw, topic);
      const before = await committedOffsets(raw, groupId, topic);
      expect(before[0]).toBeGreaterThanOrEqual(round === 0 ? -1 : acked);
      expect(before[0]).toBeLessThanOrEqual(round === 0 ? -1 : sent);
      if (round > 0) acked = before[0];
      const killAfterMs = 200 + round * 150;
      const started = Date.now();
      const committing = (async () => {
        try {
          while (Date.now() - started < killAfterMs + 5000) {
            sent = acked + 1;
            await commit(raw, groupId, topic, 0, sent);
            acked = sent;
          }
        } catch {
          // The broker died under the commit in flight.
        }
      })();
      await new Promise((r) => setTimeout(r, killAfterMs));
      proc.child.kill('SIGKILL');
      await proc.exited;
      raw.close();
      await committing;
    }
    const proc = await startBrokerProcess(args);
    const { host, port } = hostPort(proc.broker);
    const raw = await RawClient.connect(host, port);
    const final = await committedOffsets(raw, groupId, topic);
    raw.close();
    proc.child.kill('SIGTERM');
    await proc.exited;

    expect(acked).toBeGreaterThan(50);
    expect(final[0]).toBeGreaterThanOrEqual(acked);
    expect(final[0]).toBeLessThanOrEqual(sent);
    expect(statSync(journal()).size).toBeLessThan(8 * 1024);
  }, 60_000);
});

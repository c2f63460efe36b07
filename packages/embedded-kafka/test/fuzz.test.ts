// Broker fuzz: 10,000 random and mutated request frames of every API key against a broker in its own process.
// Afterwards it still serves kafkajs, its memory stayed under 300 MB, and it stops cleanly and restarts on the
// same data directory with everything it acknowledged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SUPPORTED_APIS } from '../src';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { kafkajsRequest, RawClient } from './support/raw-client';
import { describeEmbeddedOnly, hostPort, kafkaClient, uniqueName, waitFor } from './support/test-cluster';

const FRAMES = 10_000;
const CONNECTIONS = 8;
/** How long a frame may go unanswered before its connection is given up and replaced. */
const SILENCE_MS = 25;
const RSS_LIMIT = 300 * 1024 * 1024;
const SEED = 0x5eed_2026;

/** A small seeded PRNG (mulberry32), so a failing run can be replayed exactly. */
function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof prng>;

type ApiDir = Parameters<typeof kafkajsRequest>[0];

/** Valid requests of every API the broker supports, as kafkajs encodes them, to mutate from. */
function seedRequests(topic: string, groupId: string): { api: ApiDir; key: number; args: unknown }[] {
  const fetchArgs = {
    replicaId: -1,
    maxWaitTime: 20,
    minBytes: 1,
    maxBytes: 1_000_000,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 100_000 }] }],
  };
  return [
    {
      api: 'produce',
      key: 0,
      args: {
        acks: -1,
        timeout: 1000,
        topicData: [{ topic, partitions: [{ partition: 0, messages: [{ key: 'k', value: 'fuzz' }] }] }],
      },
    },
    { api: 'fetch', key: 1, args: fetchArgs },
    {
      api: 'listOffsets',
      key: 2,
      args: {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ topic, partitions: [{ partition: 0, timestamp: 1 }] }],
      },
    },
    { api: 'metadata', key: 3, args: { topics: [topic], allowAutoTopicCreation: true } },
    {
      api: 'offsetCommit',
      key: 8,
      args: {
        groupId,
        groupGenerationId: -1,
        memberId: '',
        retentionTime: -1,
        topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }],
      },
    },
    { api: 'offsetFetch', key: 9, args: { groupId, topics: [{ topic, partitions: [{ partition: 0 }] }] } },
    { api: 'findCoordinator', key: 10, args: { groupId } },
    {
      api: 'joinGroup',
      key: 11,
      args: {
        groupId,
        sessionTimeout: 500,
        rebalanceTimeout: 500,
        memberId: '',
        protocolType: 'consumer',
        groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('meta') }],
      },
    },
    { api: 'heartbeat', key: 12, args: { groupId, groupGenerationId: 1, memberId: 'member' } },
    { api: 'leaveGroup', key: 13, args: { groupId, memberId: 'member' } },
    {
      api: 'syncGroup',
      key: 14,
      args: {
        groupId,
        generationId: 1,
        memberId: 'member',
        groupAssignment: [{ memberId: 'member', memberAssignment: Buffer.from('assignment') }],
      },
    },
    { api: 'describeGroups', key: 15, args: { groupIds: [groupId] } },
    { api: 'listGroups', key: 16, args: {} },
    { api: 'apiVersions', key: 18, args: {} },
    {
      api: 'createTopics',
      key: 19,
      args: { topics: [{ topic: `${topic}-new`, numPartitions: 2, replicationFactor: 1 }], timeout: 1000 },
    },
    { api: 'deleteTopics', key: 20, args: { topics: [`${topic}-new`], timeout: 1000 } },
    { api: 'initProducerId', key: 22, args: { transactionTimeout: 1000 } },
    {
      api: 'describeConfigs',
      key: 32,
      args: { resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }] },
    },
    {
      api: 'createPartitions',
      key: 37,
      args: { topicPartitions: [{ topic: `${topic}-new`, count: 3 }], timeout: 1000 },
    },
    { api: 'deleteGroups', key: 42, args: [groupId] },
  ];
}

/** Every (API, version) both kafkajs can encode and the broker supports, encoded once. */
async function seedFrames(encoder: RawClient, topic: string, groupId: string): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  for (const seed of seedRequests(topic, groupId)) {
    const range = SUPPORTED_APIS.find((a) => a.key === seed.key);
    if (!range) throw new Error(`no range for api ${seed.key}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const versions = (require(`kafkajs/src/protocol/requests/${seed.api}`) as { versions: string[] }).versions
      .map(Number)
      .filter((v) => v >= range.min && v <= range.max);
    for (const version of versions) {
      const req = kafkajsRequest(seed.api, version, seed.args as Record<string, unknown>);
      frames.push(await encoder.frame(req, 1));
    }
  }
  return frames;
}

const INT32_EXTREMES = [0x7fffffff, -1, -2, -0x80000000, 0x10000, 0x40000000, 0, 1];
const INT16_EXTREMES = [0x7fff, -1, -2, -0x8000, 0, 1];

/** One hostile frame: a seed truncated, bit-flipped, with huge or negative counts and sizes, or pure noise. */
function mutate(seeds: Buffer[], rng: Rng): Buffer {
  const seed = Buffer.from(rng.pick(seeds));
  const bodyAt = 4;
  const anywhere = () => bodyAt + rng.int(seed.length - bodyAt);
  const fixSize = (b: Buffer) => {
    b.writeInt32BE(b.length - 4, 0);
    return b;
  };
  switch (rng.int(9)) {
    case 0: // truncated, with a size prefix that matches
      return fixSize(seed.subarray(0, bodyAt + rng.int(seed.length - bodyAt)));
    case 1: // truncated, with a size prefix that still claims the whole frame
      return seed.subarray(0, bodyAt + rng.int(seed.length - bodyAt));
    case 2: {
      for (let i = 1 + rng.int(6); i > 0; i--) seed[anywhere()] ^= 1 << rng.int(8);
      return seed;
    }
    case 3: {
      const at = Math.min(anywhere(), seed.length - 4);
      seed.writeInt32BE(rng.pick(INT32_EXTREMES), at);
      return seed;
    }
    case 4: {
      const at = Math.min(anywhere(), seed.length - 2);
      seed.writeInt16BE(rng.pick(INT16_EXTREMES), at);
      return seed;
    }
    case 5: // the size prefix itself
      seed.writeInt32BE(rng.pick([...INT32_EXTREMES, 0x7ffffff0, 9, 4, 5]), 0);
      return seed;
    case 6: {
      // a header of a real API and version, then noise
      const range = rng.pick(SUPPORTED_APIS);
      const noise = Buffer.alloc(10 + rng.int(300));
      for (let i = 0; i < noise.length; i++) noise[i] = rng.int(256);
      noise.writeInt16BE(range.key, 0);
      noise.writeInt16BE(range.min + rng.int(range.max - range.min + 1), 2);
      return fixSize(Buffer.concat([Buffer.alloc(4), noise]));
    }
    case 7: {
      const tail = Buffer.alloc(1 + rng.int(64));
      for (let i = 0; i < tail.length; i++) tail[i] = rng.int(256);
      return fixSize(Buffer.concat([seed, tail]));
    }
    default:
      return seed;
  }
}

function procStatus(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function produceThenConsume(brokers: string[], topic: string, produce: boolean): Promise<string[]> {
  const kafka = kafkaClient(brokers);
  if (produce) {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 100 }, (_, i) => ({ key: `${i}`, value: `after-fuzz-${i}` })),
    });
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: uniqueName('fuzz-check'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  await waitFor(() => seen.length >= 100, 'the 100 messages', 20_000);
  await consumer.disconnect();
  return seen;
}

describeEmbeddedOnly('broker fuzz', () => {
  let dataDir: string;
  let proc: BrokerProcess | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-fuzz-'));
  });

  afterEach(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when 10,000 random and mutated frames hit the broker, then it still serves kafkajs under 300 MB and survives a restart', async () => {
    const args = ['--data-dir', dataDir, '--drain-timeout-ms', '2000', '--log-level', 'warn'];
    proc = await startBrokerProcess(args);
    const pid = proc.child.pid as number;
    const { host, port } = hostPort(proc.broker);
    const brokers = [proc.broker];
    const fuzzTopic = uniqueName('fuzz');
    const checkTopic = uniqueName('fuzz-check');
    const encoder = await RawClient.connect(host, port);
    const seeds = await seedFrames(encoder, fuzzTopic, uniqueName('fuzz-group'));
    encoder.close();
    const started = Date.now();
    const outcomes = { answered: 0, closed: 0, silent: 0 };
    let sent = 0;
    let peakDuringFuzz = 0;

    // Each frame goes to a connection that was open after the previous frame's outcome: an answer, a close by
    // the broker, or silence (a frame still waiting for bytes it announced, a long poll), after which the
    // connection is replaced. So every one of the frames reaches the broker on a live connection.
    const worker = async (index: number, count: number) => {
      const rng = prng(SEED + index);
      let conn = await RawClient.connect(host, port);
      for (let i = 0; i < count; i++) {
        if (conn.isClosed) conn = await RawClient.connect(host, port);
        conn.write(mutate(seeds, rng));
        sent++;
        const outcome = await Promise.race([
          conn.nextResponse(SILENCE_MS).then(
            () => 'answered' as const,
            () => (conn.isClosed ? ('closed' as const) : ('silent' as const)),
          ),
          conn.closed.then(() => 'closed' as const),
        ]);
        outcomes[outcome]++;
        if (outcome === 'silent') conn.close();
        if (sent % 1000 === 0) peakDuringFuzz = Math.max(peakDuringFuzz, procStatus(pid).rss);
      }
      conn.close();
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i, FRAMES / CONNECTIONS)));
    const fuzzMs = Date.now() - started;
    const aliveAfterFuzz = proc.child.exitCode === null;
    const seenBefore = await produceThenConsume(brokers, checkTopic, true);
    const memory = procStatus(pid);
    const fuzzedLog = proc.stderr();
    proc.child.kill('SIGTERM');
    const exitCode = await proc.exited;
    proc = await startBrokerProcess(args);
    const seenAfter = await produceThenConsume([proc.broker], checkTopic, false);
    const stillAlive = proc.child.exitCode === null;
    proc.child.kill('SIGTERM');
    const secondExit = await proc.exited;

    const expected = Array.from({ length: 100 }, (_, i) => `after-fuzz-${i}`);
    expect(sent).toBe(FRAMES);
    expect(aliveAfterFuzz).toBe(true);
    expect(outcomes.answered).toBeGreaterThan(1000);
    expect(outcomes.closed).toBeGreaterThan(1000);
    expect(seenBefore).toEqual(expected);
    expect(Math.max(memory.peak, memory.rss, peakDuringFuzz)).toBeLessThan(RSS_LIMIT);
    expect(fuzzedLog).not.toMatch(/ ERROR /);
    expect(exitCode).toBe(0);
    expect(seenAfter).toEqual(expected);
    expect(stillAlive).toBe(true);
    expect(secondExit).toBe(0);
    expect(fuzzMs).toBeLessThan(45_000);
  }, 120_000);
});

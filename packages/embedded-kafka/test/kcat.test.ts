// Interop: kcat (librdkafka, no code shared with kafkajs) produces, consumes and joins a group against the broker.
import { execFile, execFileSync, execSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestCluster, TestCluster, uniqueName } from './support/test-cluster';

const run = promisify(execFile);

/** kcat comes from Debian; scripts/setup.sh installs it, and a root test run installs it if it is missing. */
function ensureKcat(): void {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return;
  } catch {
    if (process.getuid?.() !== 0) throw new Error('kcat is not installed (apt-get install -y kcat)');
  }
  execSync('apt-get install -y kcat || (apt-get update && apt-get install -y kcat)', { stdio: 'ignore' });
}

async function kcat(args: string[], input?: string): Promise<string> {
  const child = run('kcat', args, { timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

describe('kcat interoperability', () => {
  let cluster: TestCluster;
  let broker: string;

  beforeAll(async () => {
    ensureKcat();
    cluster = await startTestCluster();
    broker = cluster.brokers[0];
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('when kcat produces keyed messages, then kafkajs consumes them with their keys in order', async () => {
    const topic = uniqueName('kcat-in');

    await kcat(['-b', broker, '-P', '-t', topic, '-K', ':', '-p', '0'], 'k1:one\nk2:two\nk3:three\n');
    const consumer = cluster.kafka.consumer({ groupId: uniqueName('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(`${String(message.key)}=${String(message.value)}`);
          if (got.length === 3) resolve();
        },
      });
    });
    await consumer.disconnect();

    expect(got).toEqual(['k1=one', 'k2=two', 'k3=three']);
  });

  it('when kafkajs produces plain and gzip batches, then kcat consumes them all', async () => {
    const topic = uniqueName('kcat-out');
    const producer = cluster.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'plain-1' }, { value: 'plain-2' }] });
    await producer.send({ topic, compression: 1, messages: [{ value: 'gzip-1' }, { value: 'gzip-2' }] });
    await producer.disconnect();

    const out = await kcat(['-b', broker, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%o:%s\n']);

    expect(out.trim().split('\n')).toEqual(['0:plain-1', '1:plain-2', '2:gzip-1', '3:gzip-2']);
  });

  it('when kcat consumes as a group member with -G, then it gets every message and commits the group offsets', async () => {
    const topic = uniqueName('kcat-group');
    const groupId = uniqueName('kcat-g');
    const admin = cluster.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = cluster.kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++) {
      await producer.send({
        topic,
        messages: Array.from({ length: 4 }, (_, i) => ({ value: `p${p}-${i}`, partition: p })),
      });
    }
    await producer.disconnect();

    const out = await kcat([
      '-b',
      broker,
      '-G',
      groupId,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\n',
      '-X',
      'session.timeout.ms=6000',
      '-X',
      'auto.commit.interval.ms=100',
      topic,
    ]);
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();

    expect(out.trim().split('\n').sort()).toEqual(
      [0, 1, 2].flatMap((p) => [0, 1, 2, 3].map((i) => `p${p}-${i}`)).sort(),
    );
    expect(offsets[0].partitions.map((p) => p.offset)).toEqual(['4', '4', '4']);
  });
});

// Benchmark of @mcp-host/embedded-kafka with kafkajs on loopback, 1 KiB messages, each figure set against the
// client's own ceiling measured in the same run (a null-sink server for produce, pure decoding for consume).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import encodeRequest from 'kafkajs/src/protocol/request';
import fetchProtocol from 'kafkajs/src/protocol/requests/fetch';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const MESSAGE_BYTES = 1024;
const BATCH = 1000;
const IN_FLIGHT = 4;
const PARTITIONS = 4;
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300_000);
const LATENCY_ONLY = process.env.BENCH_LATENCY_ONLY === '1';
const IN_MEMORY = process.env.BENCH_IN_MEMORY === '1';
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const RETAINED_BYTES = Number(process.env.BENCH_RETAINED_BYTES ?? 1024 ** 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

type Rate = { msgs: number; seconds: number };

/** The run with the median rate: the machine is shared, so single runs swing with other load. */
function median(runs: Rate[]): Rate {
  return [...runs].sort((a, b) => a.msgs / a.seconds - b.msgs / b.seconds)[Math.floor(runs.length / 2)];
}

interface Child {
  address: string;
  proc: ChildProcess;
}

function spawnServer(args: string[], cwd: string): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ address: out.split('\n')[0].trim(), proc });
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

async function stopServer(c: Child): Promise<void> {
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function client(address: string): Kafka {
  return new Kafka({ clientId: 'bench', brokers: [address], logLevel: logLevel.NOTHING });
}

async function produce(
  address: string,
  topic: string,
  total: number,
): Promise<{ msgs: number; seconds: number }> {
  const producer = client(address).producer();
  await producer.connect();
  const payload = Buffer.alloc(MESSAGE_BYTES, 'x');
  const messages = Array.from({ length: BATCH }, () => ({ value: payload }));
  await producer.send({ topic, messages }); // warm-up: metadata, connections, JIT
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < total) {
        sent += BATCH;
        await producer.send({ topic, messages, acks: -1 });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return { msgs: sent, seconds };
}

async function consume(
  address: string,
  topic: string,
  total: number,
): Promise<{ msgs: number; seconds: number }> {
  const consumer = client(address).consumer({
    groupId: `bench-${Date.now()}`,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let first = 0;
  let last = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommitInterval: 1000,
      partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= total) {
          last = performance.now();
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return { msgs: count, seconds: (last - first) / 1000 };
}

/** kafkajs decoding the broker's own Fetch responses in a loop: the most any kafkajs consumer could reach. */
async function decodeCeiling(address: string, topic: string): Promise<Rate> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const req = fetchProtocol.protocol({ version: 11 })({
    replicaId: -1,
    isolationLevel: 0,
    maxWaitTime: 0,
    minBytes: 1,
    maxBytes: 64 * 1024 * 1024,
    topics: [
      {
        topic,
        partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
          partition,
          fetchOffset: '0',
          maxBytes: 8 * 1024 * 1024,
        })),
      },
    ],
    rackId: '',
  });
  const frame: Buffer = (await encodeRequest({ correlationId: 1, clientId: 'bench', request: req.request }))
    .buffer;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(frame));
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.destroy();
        resolve(buf.subarray(8, 4 + buf.readInt32BE(0)));
      }
    });
    socket.on('error', reject);
  });
  let msgs = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    const decoded = await req.response.decode(body);
    const parsed = await req.response.parse(decoded);
    for (const r of parsed.responses) for (const p of r.partitions) msgs += p.messages.length;
  }
  return { msgs, seconds: (performance.now() - started) / 1000 };
}

async function latency(
  address: string,
  topic: string,
): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const kafka = client(address);
  const consumer = kafka.consumer({ groupId: `bench-lat-${Date.now()}`, maxWaitTimeInMs: 500 });
  const samples: number[] = [];
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      samples.push(performance.now() - (message.value as Buffer).readDoubleBE(0));
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 500));
  const producer = kafka.producer();
  await producer.connect();
  const rate = 1000;
  const started = performance.now();
  let sent = 0;
  const pending: Promise<unknown>[] = [];
  while (performance.now() - started < LATENCY_SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    if (due > 0) {
      const messages = Array.from({ length: due }, () => {
        const value = Buffer.alloc(MESSAGE_BYTES);
        value.writeDoubleBE(performance.now(), 0);
        return { value };
      });
      sent += due;
      pending.push(producer.send({ topic, messages, acks: 1 }));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const deadline = performance.now() + 5000;
  while (samples.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await producer.disconnect();
  await consumer.disconnect();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], n: sorted.length };
}

async function createTopic(address: string, topic: string, numPartitions: number): Promise<void> {
  const admin = client(address).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
}

function brokerCommand(dataDir: string): { args: string[]; cwd: string; how: string } {
  const pkgDir = path.dirname(require.resolve('@mcp-host/embedded-kafka/package.json'));
  const storage = IN_MEMORY ? [] : ['--data-dir', dataDir, '--fsync', 'interval'];
  const common = ['--port', '0', ...storage, '--log-level', 'warn'];
  if (existsSync(path.join(pkgDir, 'dist', 'bin.js'))) {
    return { args: ['dist/bin.js', ...common], cwd: pkgDir, how: 'dist/bin.js' };
  }
  return { args: ['--import', 'tsx', 'src/bin.ts', ...common], cwd: pkgDir, how: 'src/bin.ts via tsx' };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-kafka-bench-'));
  const cmd = brokerCommand(dataDir);
  const sink = await spawnServer(
    ['--import', 'tsx', 'embedded-kafka/null-sink.ts', String(PARTITIONS)],
    path.resolve(__dirname, '..'),
  );
  const source = await spawnServer(
    ['--import', 'tsx', 'embedded-kafka/null-source.ts', String(PARTITIONS)],
    path.resolve(__dirname, '..'),
  );
  const broker = await spawnServer(cmd.args, cmd.cwd);
  process.stdout.write(
    `broker ${broker.address} (${cmd.how}, ${IN_MEMORY ? 'in memory' : 'disk, fsync=interval'}), null sink ${sink.address}\n`,
  );
  try {
    // Latency first: after the throughput runs the kernel is still writing back gigabytes of dirty pages, and
    // its write throttling would be measured instead of the broker.
    await createTopic(broker.address, 'bench-latency', 1);
    const lat = await latency(broker.address, 'bench-latency');
    if (LATENCY_ONLY) {
      process.stdout.write(
        `latency p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, max ${lat.max.toFixed(2)} ms\n`,
      );
      return;
    }

    const topic = 'bench-throughput';
    await createTopic(broker.address, topic, PARTITIONS);
    // Alternate ceiling and broker runs so both see the same background load and the same JIT warmth.
    const ceilingRuns: Rate[] = [];
    const brokerRuns: Rate[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ceilingRuns.push(await produce(sink.address, topic, THROUGHPUT_MESSAGES));
      brokerRuns.push(await produce(broker.address, topic, THROUGHPUT_MESSAGES));
    }
    const ceilingProduce = median(ceilingRuns);
    const brokerProduce = median(brokerRuns);
    const consumeRuns: Rate[] = [];
    for (let round = 0; round < ROUNDS; round++)
      consumeRuns.push(await consume(broker.address, topic, THROUGHPUT_MESSAGES));
    const brokerConsume = median(consumeRuns);
    const sourceRuns: Rate[] = [];
    for (let round = 0; round < ROUNDS; round++)
      sourceRuns.push(await consume(source.address, topic, THROUGHPUT_MESSAGES));
    const sourceConsume = median(sourceRuns);
    const ceilingConsume = await decodeCeiling(broker.address, topic);

    const retainedTopic = 'bench-retained';
    await createTopic(broker.address, retainedTopic, PARTITIONS);
    const toRetain = Math.ceil(RETAINED_BYTES / MESSAGE_BYTES);
    await produce(broker.address, retainedTopic, toRetain);
    const mem = rssMiB(broker.proc.pid as number);

    const rate = (r: Rate) => r.msgs / r.seconds;
    const mb = (r: Rate) => (rate(r) * MESSAGE_BYTES) / 1024 / 1024;
    const rows = [
      ['produce, null sink (client ceiling)', rate(ceilingProduce), mb(ceilingProduce), ''],
      [
        'produce, embedded-kafka',
        rate(brokerProduce),
        mb(brokerProduce),
        `${((rate(brokerProduce) / rate(ceilingProduce)) * 100).toFixed(0)}% of ceiling`,
      ],
      ['consume, kafkajs decoding only (upper bound)', rate(ceilingConsume), mb(ceilingConsume), ''],
      ['consume, null source (client ceiling)', rate(sourceConsume), mb(sourceConsume), ''],
      [
        'consume, embedded-kafka',
        rate(brokerConsume),
        mb(brokerConsume),
        `${((rate(brokerConsume) / rate(sourceConsume)) * 100).toFixed(0)}% of ceiling`,
      ],
    ];
    const line = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
    const widths = [46, 12, 9, 20];
    const out: string[] = [];
    out.push(line(['measure', 'msg/s', 'MB/s', 'ratio'], widths));
    out.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const [name, r, m, ratio] of rows) {
      out.push(
        line(
          [String(name), Math.round(Number(r)).toLocaleString('en-US'), Number(m).toFixed(1), String(ratio)],
          widths,
        ),
      );
    }
    out.push('');
    out.push(
      `medians of ${ROUNDS} alternating rounds of ${THROUGHPUT_MESSAGES.toLocaleString('en-US')} messages; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} cores`,
    );
    out.push(
      `end-to-end latency at 1,000 msg/s for ${LATENCY_SECONDS}s (${lat.n} msgs): p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, max ${lat.max.toFixed(2)} ms`,
    );
    out.push(
      `broker RSS with ${(RETAINED_BYTES / 1024 ** 3).toFixed(2)} GiB retained on disk: ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`,
    );
    out.push(
      `goals: produce >= 50,000 msg/s ${rate(brokerProduce) >= 50_000 ? 'met' : 'MISSED'}; ` +
        `consume >= 100,000 msg/s ${rate(brokerConsume) >= 100_000 ? 'met' : 'MISSED'}; ` +
        `produce >= 70% of ceiling ${rate(brokerProduce) / rate(ceilingProduce) >= 0.7 ? 'met' : 'MISSED'}; ` +
        `consume >= 70% of ceiling ${rate(brokerConsume) / rate(sourceConsume) >= 0.7 ? 'met' : 'MISSED'}; ` +
        `p99 < 20 ms ${lat.p99 < 20 ? 'met' : 'MISSED'}`,
    );
    process.stdout.write(out.join('\n') + '\n');
    const resultsDir = path.resolve(__dirname, '..', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      path.join(resultsDir, 'embedded-kafka.json'),
      JSON.stringify(
        { ceilingProduce, brokerProduce, brokerConsume, ceilingConsume, latency: lat, rssMiB: mem },
        null,
        2,
      ),
    );
  } finally {
    await stopServer(broker);
    await stopServer(sink);
    await stopServer(source);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

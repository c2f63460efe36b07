// Gateway benchmark. REST: open-loop load at fixed arrival rates on a small GET, through the gateway and straight to
// the service, plus the saturation throughput of each path. SSE: 10,000 streams on one gateway process (memory, fan-out
// time, end-to-end latency from client processes) and a forced reconnect of every client with Last-Event-ID.
// Gateway, service and load run on the same 2 cores (taskset), after a warm-up; each figure is the median of RUNS runs.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { newEventAttributes, toKafkaHeaders, TOPICS } from '@mcp-host/contracts';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { nextMessage, sleep, startKafkaProcess, stopChild } from '../lib/children';
import { median, percentile, printTable } from '../lib/stats';

const RUNS = Number(process.env.RUNS ?? 3);
const REST_SECONDS = Number(process.env.REST_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 3);
const SSE_STREAMS = Number(process.env.SSE_STREAMS ?? 10_000);
const SSE_WORKERS = Number(process.env.SSE_WORKERS ?? 4);
const BROADCASTS = Number(process.env.BROADCASTS ?? 30);
const SKIP_REST = process.env.SKIP_REST === '1';
const GAP_EVENTS = Number(process.env.GAP_EVENTS ?? 20);
const SKIP_SSE = process.env.SKIP_SSE === '1';
const CPUS = process.env.BENCH_CPUS ?? '0,1';
const HERE = __dirname;

const hasTaskset = existsSync('/usr/bin/taskset');

/** Forks a TypeScript child pinned to the benchmark cores. */
function forkTs(file: string, env: NodeJS.ProcessEnv): ChildProcess {
  const args = [
    // BENCH_PROF=gateway-process.ts (or service-process.ts): a V8 CPU profile of that child in BENCH_PROF_DIR.
    ...(process.env.BENCH_PROF === file
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF_DIR ?? join(tmpdir(), 'bench-gateway-prof')}`]
      : []),
    '--import',
    'tsx',
    join(HERE, file),
  ];
  if (hasTaskset) {
    return spawn('taskset', ['-c', CPUS, process.execPath, ...args], {
      cwd: resolve(HERE, '..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  return fork(join(HERE, file), [], {
    execArgv: ['--import', 'tsx'],
    cwd: resolve(HERE, '..'),
    env: { ...process.env, ...env },
  });
}

let askId = 0;
async function ask<T>(child: ChildProcess, question: string): Promise<T> {
  const id = ++askId;
  const answer = nextMessage<T>(child, (m) => m.id === id);
  child.send({ id, ask: question });
  return answer;
}

interface LoadResult {
  p50: number;
  p99: number;
  achieved: number;
  errors: number;
  lagMs: number;
}

/**
 * Open loop: request i is sent at start + i/rate whatever happened to the earlier ones, so a slow answer does not
 * slow the arrivals. Latency runs from the send to the end of the body. `lagMs` is how late the generator sent at
 * worst (it must stay small for the schedule to hold).
 */
async function openLoop(
  url: URL,
  headers: Record<string, string>,
  rate: number,
  seconds: number,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let done = 0;
  let lag = 0;
  const start = performance.now();
  await new Promise<void>((finish) => {
    let i = 0;
    const fire = () => {
      const now = performance.now();
      while (i < total && start + (i * 1000) / rate <= now) {
        lag = Math.max(lag, now - (start + (i * 1000) / rate));
        i += 1;
        const t0 = performance.now();
        const req = http.request(url, { agent, headers }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - t0);
            else errors += 1;
            if (++done === total) finish();
          });
        });
        req.on('error', () => {
          errors += 1;
          if (++done === total) finish();
        });
        req.end();
      }
      // A timer, not setImmediate: a spinning generator would take a core from the processes it measures.
      if (i < total) setTimeout(fire, Math.max(0, start + (i * 1000) / rate - performance.now()));
    };
    fire();
  });
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    achieved: latencies.length / elapsed,
    errors,
    lagMs: lag,
  };
}

/** Closed loop with many requests in flight: the most the path serves. */
async function saturate(url: URL, headers: Record<string, string>, seconds: number, concurrency = 128) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let ok = 0;
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      await new Promise<void>((r) => {
        const req = http.request(url, { agent, headers }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (res.statusCode === 200) ok += 1;
            else errors += 1;
            r();
          });
        });
        req.on('error', () => {
          errors += 1;
          r();
        });
        req.end();
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { rps: ok / seconds, errors };
}

async function startGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = forkTs('gateway-process.ts', env);
  const { url } = await nextMessage<{ url: string }>(child, (m) => typeof m.url === 'string');
  return { child, url };
}

async function main() {
  const db = await createTestDatabase('bench_gateway');
  const kafka = await startKafkaProcess();
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const tokenFile = join(dir, 'admin-token');
  const upstream = forkTs('upstream.ts', {});
  const { port } = await nextMessage<{ port: number }>(upstream, (m) => typeof m.port === 'number');
  const upstreamUrl = `http://127.0.0.1:${port}`;
  // The real service behind /api/servers/:id: the policy engine, on the same database and broker.
  const service = forkTs('service-process.ts', {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    BIND_ADDRESS: '127.0.0.1',
    BIND_PORT: '0',
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: 'true',
  });
  const { url: serviceUrl } = await nextMessage<{ url: string }>(service, (m) => typeof m.url === 'string');
  const gateway = await startGateway({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    BIND_ADDRESS: '127.0.0.1',
    BIND_PORT: '0',
    LOG_LEVEL: 'warn',
    GATEWAY_ADMIN_TOKEN_FILE: tokenFile,
    GATEWAY_UPSTREAM_POLICY_ENGINE: serviceUrl,
    // The bare node:http upstream stands behind the marketplace routes: the gateway's own ceiling.
    GATEWAY_UPSTREAM_MARKETPLACE: upstreamUrl,
    // Rate limiting stays on (in memory) with a budget the load never reaches, so its cost is in the figures.
    RATE_LIMIT_PER_MINUTE: String(100_000_000),
    // All streams share one token, and a forced reconnect briefly holds old and new streams at once.
    SSE_MAX_STREAMS_PER_TOKEN: String(2 * SSE_STREAMS),
    SSE_MAX_STREAMS: String(2 * SSE_STREAMS),
    OTEL_SDK_DISABLED: 'true',
  });
  const token = readFileSync(tokenFile, 'utf8').trim();
  const auth = { authorization: `Bearer ${token}` };
  const results: Record<string, unknown> = { cpus: CPUS, runs: RUNS };

  try {
    if (!SKIP_REST) {
      const created = await fetch(new URL('/api/servers', serviceUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench-server', server_type: 'node' }),
      });
      if (created.status !== 201) throw new Error(`creating the bench server: ${created.status}`);
      const { id } = (await created.json()) as { id: string };
      // "Straight to the service" is the measure; the bare upstream shows what the gateway costs on its own.
      const targets = [
        {
          upstream: 'policy engine (GET /api/servers/:id, PostgreSQL)',
          key: 'service',
          direct: new URL(`/api/servers/${id}`, serviceUrl),
          via: new URL(`/api/servers/${id}`, gateway.url),
        },
        {
          upstream: 'bare node:http (fixed JSON)',
          key: 'bare',
          direct: new URL('/api/marketplace/6f1c2e0a-8d4b-4c1e-9a57-3b2f1d0c9e88', upstreamUrl),
          via: new URL('/api/marketplace/6f1c2e0a-8d4b-4c1e-9a57-3b2f1d0c9e88', gateway.url),
        },
      ];
      const rows: Record<string, string | number>[] = [];
      const satRows: Record<string, string | number>[] = [];
      const restResults: Record<string, unknown> = {};
      for (const t of targets) {
        const { direct, via } = t;
        // Warm-up: JIT, keep-alive pools, the token cache.
        await openLoop(via, auth, 1000, WARMUP_SECONDS);
        await openLoop(direct, auth, 1000, WARMUP_SECONDS);
        for (const rate of [500, 2000]) {
          const d: LoadResult[] = [];
          const g: LoadResult[] = [];
          for (let run = 0; run < RUNS; run++) {
            d.push(await openLoop(direct, auth, rate, REST_SECONDS));
            g.push(await openLoop(via, auth, rate, REST_SECONDS));
          }
          const m = (xs: LoadResult[], k: keyof LoadResult) => median(xs.map((x) => x[k]));
          rows.push({
            upstream: t.key,
            'rate (req/s)': rate,
            'direct p50 ms': m(d, 'p50'),
            'gateway p50 ms': m(g, 'p50'),
            'added p50 ms': m(g, 'p50') - m(d, 'p50'),
            'direct p99 ms': m(d, 'p99'),
            'gateway p99 ms': m(g, 'p99'),
            'added p99 ms': m(g, 'p99') - m(d, 'p99'),
            'achieved direct/gateway': `${m(d, 'achieved').toFixed(0)} / ${m(g, 'achieved').toFixed(0)}`,
            'errors direct/gateway': `${m(d, 'errors')} / ${m(g, 'errors')}`,
            'max send lag ms': Math.max(m(d, 'lagMs'), m(g, 'lagMs')),
          });
          restResults[`${t.key}_rate_${rate}`] = { direct: d, gateway: g };
        }
        const sd: number[] = [];
        const sg: number[] = [];
        let satErrors = 0;
        for (let run = 0; run < RUNS; run++) {
          const a = await saturate(direct, auth, REST_SECONDS);
          const b = await saturate(via, auth, REST_SECONDS);
          sd.push(a.rps);
          sg.push(b.rps);
          satErrors += a.errors + b.errors;
        }
        satRows.push({
          upstream: t.upstream,
          'direct req/s': median(sd),
          'gateway req/s': median(sg),
          'gateway / direct': `${((median(sg) / median(sd)) * 100).toFixed(0)}%`,
          errors: satErrors,
        });
      }
      printTable('REST: small GET, open loop (median of runs)', rows);
      printTable('REST: saturation throughput, 128 in flight (median of runs)', satRows);
      results.rest = { rows, saturation: satRows, raw: restResults };
    }

    if (!SKIP_SSE) {
      results.sse = await sseBench(gateway, kafka.brokers, token);
    }
  } finally {
    await stopChild(gateway.child, { id: 0, ask: 'stop' });
    await stopChild(service, { id: 0, ask: 'stop' });
    await stopChild(upstream, { id: 0, ask: 'stop' });
    await stopChild(kafka.child, { id: 0, ask: 'stop' });
    await db.drop();
  }
  writeFileSync(
    process.env.BENCH_OUT ?? join(tmpdir(), 'bench-gateway.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
}

interface Stats {
  rss: number;
  streams: number;
  feeds: { kind: string; live: number; lastFanout: { records: number; subscribers: number; ms: number } }[];
}

async function sseBench(gateway: { child: ChildProcess; url: string }, brokers: string[], token: string) {
  const topic = TOPICS.trustRegistry.name;
  const kafkaClient = new Kafka({ clientId: 'bench-sse', brokers, logLevel: logLevel.NOTHING });
  const admin = kafkaClient.admin();
  await admin.connect();
  await admin
    .createTopics({ topics: [{ topic, numPartitions: TOPICS.trustRegistry.partitions }] })
    .catch(() => false);
  await admin.disconnect();
  const producer = kafkaClient.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let seq = 0;
  const publish = async (n: number) => {
    const messages = Array.from({ length: n }, () => {
      seq += 1;
      return {
        key: `vm-${seq % 16}`,
        value: JSON.stringify({
          vm_instance_id: `vm-${seq % 16}`,
          server_id: 'srv-bench',
          seq,
          sent_at: Date.now(),
        }),
        headers: toKafkaHeaders(newEventAttributes({ type: 'trust.registry.transitioned', source: 'bench' })),
      };
    });
    await producer.send({ topic, acks: -1, messages });
  };

  const before = await ask<Stats>(gateway.child, 'stats');
  const per = Math.ceil(SSE_STREAMS / SSE_WORKERS);
  const workers = Array.from({ length: SSE_WORKERS }, () =>
    forkTs('sse-clients.ts', { GATEWAY_URL: gateway.url, TOKEN: token, STREAMS: String(per) }),
  );
  await Promise.all(workers.map((w) => nextMessage(w, (m) => m.ready === true)));
  const all = async <T>(question: string) =>
    Promise.all(
      workers.map((w) => {
        const p = nextMessage<T>(w, (m) => m.done === question);
        w.send({ ask: question });
        return p;
      }),
    );
  const progress = (what: string) => console.error(`[sse] ${new Date().toISOString()} ${what}`);
  progress(`opening ${SSE_STREAMS} streams`);
  const t0 = performance.now();
  const opened = await all<{ open: number }>('open');
  const openS = (performance.now() - t0) / 1000;
  const openCount = opened.reduce((a, b) => a + b.open, 0);
  await sleep(1000);
  const after = await ask<Stats>(gateway.child, 'stats');
  progress(`${openCount} open, gateway sees ${after.streams}; broadcasting`);

  // Broadcasts: one event at a time, to every stream.
  await publish(1);
  await sleep(1000);
  await all('reset');
  const fanouts: number[] = [];
  for (let i = 0; i < BROADCASTS; i++) {
    await publish(1);
    await sleep(300);
    const s = await ask<Stats>(gateway.child, 'stats');
    const tail = s.feeds.find((f) => f.kind === 'tail');
    if (tail && tail.lastFanout.records === 1) fanouts.push(tail.lastFanout.ms);
  }
  await sleep(1000);
  const lat = (await all<{ latencies: number[] }>('latencies'))
    .flatMap((r) => r.latencies)
    .sort((a, b) => a - b);
  const expectedDeliveries = BROADCASTS * openCount;

  progress('forced reconnect');
  // Forced reconnect of every client: all drop their connection, events are published while they are away, they
  // come back with Last-Event-ID, more events follow live; every stream must then hold each event exactly once.
  await all('reset');
  const firstSeq = seq + 1;
  // FLOW_MS: keep publishing one event every FLOW_MS while the clients drop and come back.
  const flowMs = Number(process.env.FLOW_MS ?? 0);
  let flowing = flowMs > 0;
  const flow = (async () => {
    while (flowing) {
      await publish(1);
      await sleep(flowMs);
    }
  })();
  await all('drop');
  for (let i = 0; i < GAP_EVENTS; i++) await publish(1);
  const r0 = performance.now();
  const watcher = process.env.BENCH_DEBUG
    ? setInterval(() => {
        void ask<Stats>(gateway.child, 'stats').then((st) =>
          console.error(
            `[sse] reconnecting: gateway streams ${st.streams} feeds ${JSON.stringify(st.feeds)}`,
          ),
        );
      }, 2000)
    : undefined;
  const reopened = await all<{ open: number }>('reconnect');
  if (watcher) clearInterval(watcher);
  const reconnectS = (performance.now() - r0) / 1000;
  flowing = false;
  await flow;
  for (let i = 0; i < 10; i++) {
    await publish(1);
    await sleep(100);
  }
  const lastSeq = seq;
  await sleep(3000);
  const seqLists = (await all<{ seqs: number[][] }>('seqs')).flatMap((r) => r.seqs);
  let missing = 0;
  let duplicates = 0;
  for (const list of seqLists) {
    const seen = new Set<number>();
    for (const v of list) {
      if (seen.has(v)) duplicates += 1;
      seen.add(v);
    }
    for (let v = firstSeq; v <= lastSeq; v++) if (!seen.has(v)) missing += 1;
  }
  const reopenedCount = reopened.reduce((a, b) => a + b.open, 0);
  const afterReconnect = await ask<Stats>(gateway.child, 'stats');
  if (process.env.BENCH_DEBUG) console.error(JSON.stringify(afterReconnect.feeds));

  await all('stop').catch(() => undefined);
  await producer.disconnect();

  const fanSorted = [...fanouts].sort((a, b) => a - b);
  const rows = [
    {
      streams: openCount,
      'client processes': SSE_WORKERS,
      'open time s': openS,
      'gateway RSS before MiB': before.rss,
      'gateway RSS with streams MiB': after.rss,
      'per stream KiB': ((after.rss - before.rss) * 1024) / Math.max(1, openCount),
      'fan-out to all p50 ms': percentile(fanSorted, 50),
      'fan-out to all max ms': fanSorted[fanSorted.length - 1] ?? NaN,
      'e2e p50 ms': percentile(lat, 50),
      'e2e p99 ms': percentile(lat, 99),
      'deliveries got/expected': `${lat.length}/${expectedDeliveries}`,
    },
  ];
  printTable(`SSE: ${openCount} streams on one gateway, ${BROADCASTS} broadcasts`, rows);
  const replayRows = [
    {
      'streams reconnected': reopenedCount,
      'reconnect time s': reconnectS,
      'events published from the drop on': lastSeq - firstSeq + 1,
      'missing events': missing,
      'duplicate events': duplicates,
      'gateway RSS after MiB': afterReconnect.rss,
    },
  ];
  printTable('SSE: forced reconnect of every client with Last-Event-ID', replayRows);
  return { rows, replayRows, fanouts };
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

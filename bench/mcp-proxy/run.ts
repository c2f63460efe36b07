// MCP proxy benchmark: tools/call through the gateway's /mcp/:server door against the same calls straight to the MCP
// server, in the same run and with the same client code (undici keep-alive pools). Measured: open-loop latency at
// fixed arrival rates (from each call's due time, so queueing shows), closed-loop saturation throughput with 1,000
// grant rules on the server, the grant decision function alone against a no-op, and audit rows written per call.
// The gateway (built dist), the MCP server (official SDK, stateless, one `echo` tool) and the broker each run in
// their own process; the server is registered the way the runtime does it, by a runtime.server.status_changed event,
// and the grants by grant.created events, through the broker. Then (MINIMAL_UPSTREAM=0 skips it) the open loops and the
// saturation run again against a second server that answers tools/call in a few lines of JSON-RPC with no SDK: the SDK
// server bounds both paths long before the gateway does, so only this shows the gateway's own ceiling on the cores.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  eventDefinition,
  newEventAttributes,
  parseEvent,
  toKafkaHeaders,
  type EventPayload,
  type EventType,
} from '@mcp-host/contracts';
import { createTestDatabase } from '@mcp-host/platform/testing';
import { nextMessage, sleep, startKafkaProcess, stopChild } from '../lib/children';
import { printTable } from '../lib/stats';
import { decisionBench } from './decision';
import { benchGrants } from './grants';
import {
  closedLoop,
  mcpHeaders,
  openLoop,
  callCounts,
  single,
  type ClosedLoopResult,
  type OpenLoopResult,
  type Target,
} from './load';

const RATES = (process.env.RATES ?? '500,2000').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const SAT_SECONDS = Number(process.env.SAT_SECONDS ?? 8);
const GRANTS = Number(process.env.GRANTS ?? 1000);
const DECISIONS = Number(process.env.DECISIONS ?? 200_000);
const DRAIN_LIMIT_MS = Number(process.env.DRAIN_LIMIT_MS ?? 10_000);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1_000);
const MINIMAL_UPSTREAM = process.env.MINIMAL_UPSTREAM !== '0';
/** Gateway processes on this host, as replicas behind one balancer (undici's BalancedPool in the load client). */
const GATEWAY_REPLICAS = Math.max(1, Number(process.env.GATEWAY_REPLICAS ?? 1));
const GATEWAY = GATEWAY_REPLICAS > 1 ? `gateway (${GATEWAY_REPLICAS} replicas)` : 'gateway';
const HERE = __dirname;

/**
 * Forks a TypeScript child; GATEWAY_PROF=DIR writes a V8 CPU profile of the gateway process into DIR, and
 * GATEWAY_NODE_FLAGS adds Node flags to it (e.g. `--trace-gc`).
 */
function forkTs(file: string, env: NodeJS.ProcessEnv): ChildProcess {
  const gateway = file === 'gateway-process.ts';
  const prof = gateway && process.env.GATEWAY_PROF;
  const flags = gateway ? (process.env.GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean) : [];
  return fork(join(HERE, file), [], {
    execArgv: [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...flags, '--import', 'tsx'],
    cwd: resolve(HERE, '..'),
    env: { ...process.env, ...env },
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (
      await check().catch((err: unknown) => {
        if (process.env.BENCH_DEBUG) console.error(err);
        return false;
      })
    )
      return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * CPU time (user + system) a process has used so far, ms, from /proc (clock ticks of 10 ms); with `mainThread`, only
 * its main thread's (the event loop's; the process figure also counts V8's and libuv's helper threads and a worker).
 */
function cpuMs(pid: number | undefined, mainThread = false): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface CpuPerCall {
  gateway: number;
  /** The gateway's main thread alone: the loop that proxies the calls. */
  gatewayLoop: number;
  server: number;
}

/** Runs one phase and reports the CPU the gateway and the MCP server processes spent per answered call in it. */
async function withCpu<T extends { ok: number }>(
  pids: { gateway: (number | undefined)[]; server?: number },
  phase: () => Promise<T>,
): Promise<T & { cpu: CpuPerCall }> {
  const gatewayMs = (mainThread = false) =>
    pids.gateway.reduce<number>((sum, pid) => sum + cpuMs(pid, mainThread), 0);
  const g0 = gatewayMs();
  const l0 = gatewayMs(true);
  const s0 = cpuMs(pids.server);
  const r = await phase();
  const calls = Math.max(1, r.ok);
  return {
    ...r,
    cpu: {
      gateway: (gatewayMs() - g0) / calls,
      gatewayLoop: (gatewayMs(true) - l0) / calls,
      server: (cpuMs(pids.server) - s0) / calls,
    },
  };
}

/** One saturation row: a closed loop's throughput, latency and CPU per call. */
function satRow(path: string, r: ClosedLoopResult & { cpu: CpuPerCall }): Record<string, string | number> {
  return {
    path,
    callers: CONCURRENCY,
    'calls/s': Math.round(r.rps),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    errors: r.errors,
    'CPU ms/call gateway': r.cpu.gateway,
    'CPU ms/call gateway loop': r.cpu.gatewayLoop,
    'CPU ms/call server': r.cpu.server,
  };
}

function openRow(path: string, r: OpenLoopResult & { cpu: CpuPerCall }): Record<string, string | number> {
  // The path carries the rate when nearly every call is answered, the answers keep pace with the arrivals and the
  // queue drains at once after the last one; otherwise calls are waiting in a queue and the latencies show it.
  const carried =
    r.unanswered === 0 && r.errors <= r.sent * 0.001 && r.achieved >= r.rate * 0.97 && r.drainMs < 250;
  return {
    path,
    'rate calls/s': r.rate,
    calls: r.sent,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'max ms': r.max,
    'answered/s': Math.round(r.achieved),
    errors: r.errors,
    unanswered: r.unanswered,
    'send lag max ms': r.lagMs,
    'drain ms': r.drainMs,
    'CPU ms/call gateway': r.cpu.gateway,
    'CPU ms/call gateway loop': r.cpu.gatewayLoop,
    'CPU ms/call server': r.cpu.server,
    carried: carried ? 'yes' : 'NO (queueing)',
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const db = await createTestDatabase('bench_mcp_proxy');
  const kafka = await startKafkaProcess();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mcp-proxy-'));
  const tokenFile = join(dir, 'admin-token');
  const mcp = forkTs('mcp-server.ts', {});
  const { port } = await nextMessage<{ port: number }>(mcp, (m) => typeof m.port === 'number');
  const endpoint = `http://127.0.0.1:${port}/mcp`;
  const gatewayEnv = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    BIND_ADDRESS: '127.0.0.1',
    BIND_PORT: '0',
    LOG_LEVEL: 'warn',
    GATEWAY_ADMIN_TOKEN_FILE: tokenFile,
    // Rate limiting stays on (in memory) with a budget the load never reaches, so its cost is in the figures.
    RATE_LIMIT_PER_MINUTE: String(100_000_000),
    OTEL_SDK_DISABLED: 'true',
  };
  // The first replica mints the admin token; the others start once it has (they would wait on its lock anyway).
  const gateways = [forkTs('gateway-process.ts', gatewayEnv)];
  const gatewayUrls = [
    (await nextMessage<{ url: string }>(gateways[0], (m) => typeof m.url === 'string')).url,
  ];
  for (let i = 1; i < GATEWAY_REPLICAS; i++) {
    const replica = forkTs('gateway-process.ts', gatewayEnv);
    gateways.push(replica);
    gatewayUrls.push((await nextMessage<{ url: string }>(replica, (m) => typeof m.url === 'string')).url);
  }
  const gatewayUrl = gatewayUrls[0];
  /** The path on every replica: the load client balances over them. */
  const onGateways = (path: string) => ({
    url: new URL(path, gatewayUrl),
    replicas: gatewayUrls.slice(1).map((u) => new URL(path, u)),
  });

  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const producer = new Kafka({
    clientId: 'bench-mcp-proxy',
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  const publish = async <T extends EventType>(type: T, payloads: EventPayload<T>[]) => {
    const def = eventDefinition(type);
    if (!def) throw new Error(`unknown event type ${type}`);
    for (let i = 0; i < payloads.length; i += 200) {
      const messages = payloads.slice(i, i + 200).map((payload) => {
        const parsed = parseEvent(type, payload);
        if (!parsed.ok) throw new Error(`invalid ${type} payload: ${parsed.reason}`);
        return {
          key: def.key(parsed.value as never),
          value: JSON.stringify(parsed.value),
          headers: toKafkaHeaders(newEventAttributes({ type, source: 'bench' })),
        };
      });
      await producer.send({ topic: def.topic, acks: -1, messages });
    }
  };

  try {
    const admin = readFileSync(tokenFile, 'utf8').trim();
    const minted = await fetch(new URL('/api/tokens', gatewayUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-agent', role: 'operator', owner: 'bench-agent@example.com' }),
    });
    if (minted.status !== 201) throw new Error(`minting the bench token: ${minted.status}`);
    const { token, id: tokenId } = (await minted.json()) as { token: string; id: string };
    const caller = { tokenId, subject: 'bench-agent@example.com' };
    const grants = benchGrants(GRANTS, caller);
    // A server is registered the way the runtime and the policy engine announce it: its grants, then its endpoint.
    const register = async (serverId: string, endpoint: string) => {
      const now = new Date().toISOString();
      await publish(
        'grant.created',
        grants.map((g) => ({
          ...g,
          // A grant belongs to one server, so each server's copy of the list gets its own ids.
          id: randomUUID(),
          allow_tools: [...g.allow_tools],
          deny_tools: [...g.deny_tools],
          server_id: serverId,
          version: 1,
          created_by: 'bench@example.com',
          created_at: now,
        })),
      );
      await publish('runtime.server.status_changed', [
        {
          server_id: serverId,
          from_status: 'deploying',
          to_status: 'running',
          reason: null,
          version: 1,
          changed_at: now,
          endpoint,
        },
      ]);
    };
    const projected = async (serverId: string, via: Target) => {
      const { rows } = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM gateway.mcp_grants WHERE server_id = $1',
        [serverId],
      );
      return Number(rows[0].n) === grants.length && (await single(via));
    };
    const serverId = randomUUID();
    await register(serverId, endpoint);
    const headers = mcpHeaders(token);
    const direct: Target = { name: 'direct', url: new URL(endpoint), headers };
    const via: Target = { name: 'gateway', ...onGateways(`/mcp/${serverId}`), headers };
    await waitUntil('the grants and the endpoint to be projected', () => projected(serverId, via));
    if (!(await single(direct))) throw new Error('the MCP server does not answer tools/call');
    console.error(`[mcp-proxy] ready after ${((Date.now() - started) / 1000).toFixed(1)} s; warming up`);

    // Warm-up: JIT, keep-alive pools, the token and policy caches. A few closed-loop callers leave no backlog behind.
    const loadAtStart = loadavg()[0];
    const pids = { gateway: gateways.map((g) => g.pid), server: mcp.pid };
    await closedLoop(direct, 8, WARMUP_SECONDS);
    await closedLoop(via, 8, WARMUP_SECONDS);

    const openRows: Record<string, string | number>[] = [];
    const addedRows: Record<string, string | number>[] = [];
    const goals: Record<string, string | number>[] = [];
    /** Both paths at one rate, one after the other: their rows, and what the gateway added, go in the tables. */
    const openPair = async (suffix: string, p: typeof pids, to: Target, through: Target, rate: number) => {
      await sleep(SETTLE_MS);
      const d = await withCpu(p, () => openLoop(to, rate, SECONDS, DRAIN_LIMIT_MS));
      await sleep(SETTLE_MS);
      const g = await withCpu(p, () => openLoop(through, rate, SECONDS, DRAIN_LIMIT_MS));
      const dRow = openRow(`direct${suffix}`, d);
      const gRow = openRow(`${GATEWAY}${suffix}`, g);
      openRows.push(dRow, gRow);
      addedRows.push({
        'rate calls/s': `${rate}${suffix}`,
        'direct p50 ms': d.p50,
        'gateway p50 ms': g.p50,
        'added p50 ms': g.p50 - d.p50,
        'direct p99 ms': d.p99,
        'gateway p99 ms': g.p99,
        'added p99 ms': g.p99 - d.p99,
        'errors direct/gateway': `${d.errors} / ${g.errors}`,
        'unanswered direct/gateway': `${d.unanswered} / ${g.unanswered}`,
      });
      return { d, g, dRow, gRow };
    };
    for (const rate of RATES) {
      console.error(`[mcp-proxy] open loop at ${rate} calls/s`);
      const { d, g, dRow, gRow } = await openPair('', pids, direct, via, rate);
      // An added latency means something only when both paths carried the rate.
      const both = dRow.carried === 'yes' && gRow.carried === 'yes';
      const queueing = [dRow.carried === 'yes' ? '' : 'direct', gRow.carried === 'yes' ? '' : 'gateway']
        .filter(Boolean)
        .join(' and ');
      const verdict = (ok: boolean) => (!both ? `NO (${queueing} queueing at this rate)` : ok ? 'yes' : 'NO');
      const addedP50 = g.p50 - d.p50;
      const addedP99 = g.p99 - d.p99;
      goals.push(
        {
          goal: `added p50 ≤ 1 ms at ${rate}/s`,
          measured: `${addedP50.toFixed(2)} ms`,
          met: verdict(addedP50 <= 1),
        },
        {
          goal: `added p99 ≤ 5 ms at ${rate}/s`,
          measured: `${addedP99.toFixed(2)} ms`,
          met: verdict(addedP99 <= 5),
        },
      );
    }

    console.error(`[mcp-proxy] saturation, ${CONCURRENCY} callers`);
    await sleep(SETTLE_MS);
    const sd = await withCpu(pids, () => closedLoop(direct, CONCURRENCY, SAT_SECONDS));
    await sleep(SETTLE_MS);
    const sg = await withCpu(pids, () => closedLoop(via, CONCURRENCY, SAT_SECONDS));
    const loadAtEnd = loadavg()[0];
    const ratio = sg.rps / sd.rps;
    const satRows = [satRow('direct', sd), satRow(`${GATEWAY}, ${grants.length} grants`, sg)];
    goals.push(
      {
        goal: 'saturation ≥ 50% of direct',
        measured: `${(ratio * 100).toFixed(0)}%`,
        met: ratio >= 0.5 ? 'yes' : 'NO',
      },
      {
        goal: 'saturation ≥ 3,000 calls/s',
        measured: `${Math.round(sg.rps)} calls/s`,
        met: sg.rps >= 3000 ? 'yes' : 'NO',
      },
    );

    // Audit rows: the writer batches (MCP_AUDIT_FLUSH_INTERVAL_MS); wait until the count stops moving (or reaches
    // the calls issued).
    // A call answered by the gateway must have exactly one row. A call an overloaded open loop abandoned may or may
    // not have reached the door, so with abandoned calls the row count can only be bounded.
    const gw = callCounts.get('gateway') ?? { issued: 0, answered: 0, abandoned: 0 };
    let rows = -1;
    let stableSince = Date.now();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const { rows: r } = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM gateway.mcp_tool_calls WHERE server_id = $1',
        [serverId],
      );
      const n = Number(r[0].n);
      if (n !== rows) {
        rows = n;
        stableSince = Date.now();
      }
      if (n >= gw.issued || Date.now() - stableSince > 3000) break;
      await sleep(250);
    }
    const { rows: byStatus } = await pg.query<{ result_status: string; decision: string; n: string }>(
      `SELECT result_status, decision, count(*) AS n FROM gateway.mcp_tool_calls WHERE server_id = $1
       GROUP BY result_status, decision ORDER BY 3 DESC`,
      [serverId],
    );
    const auditRows = [
      {
        'gateway calls issued': gw.issued,
        answered: gw.answered,
        abandoned: gw.abandoned,
        'mcp_tool_calls rows': rows,
        'rows per answered call': rows / gw.answered,
        'rows by result/decision': byStatus.map((s) => `${s.result_status}/${s.decision}=${s.n}`).join(', '),
        'direct calls (no audit)': callCounts.get('direct')?.issued ?? 0,
      },
    ];
    goals.push(
      gw.abandoned === 0
        ? {
            goal: 'one audit row per gateway tools/call',
            measured: `${rows} rows / ${gw.answered} calls`,
            met: rows === gw.answered && gw.answered === gw.issued ? 'yes' : 'NO',
          }
        : {
            goal: 'one audit row per gateway tools/call',
            measured: `${rows} rows; ${gw.answered} answered + ${gw.abandoned} abandoned calls`,
            met:
              rows >= gw.answered && rows <= gw.issued
                ? 'consistent (rows between answered and issued)'
                : 'NO',
          },
    );

    // The gateway's own ceiling: the same saturation against an upstream that costs almost nothing per call (no
    // SDK), so that the gateway is what saturates. The SDK server above bounds both paths long before the gateway.
    if (MINIMAL_UPSTREAM) {
      const minimal = forkTs('mcp-server.ts', { MCP_UPSTREAM: 'minimal' });
      try {
        const { port: minimalPort } = await nextMessage<{ port: number }>(
          minimal,
          (m) => typeof m.port === 'number',
        );
        const minimalId = randomUUID();
        const minimalEndpoint = `http://127.0.0.1:${minimalPort}/mcp`;
        await register(minimalId, minimalEndpoint);
        const mDirect: Target = { name: 'direct-minimal', url: new URL(minimalEndpoint), headers };
        const mVia: Target = {
          name: 'gateway-minimal',
          ...onGateways(`/mcp/${minimalId}`),
          headers,
        };
        await waitUntil('the minimal upstream to be projected', () => projected(minimalId, mVia));
        await closedLoop(mVia, 8, WARMUP_SECONDS);
        const mPids = { gateway: gateways.map((g) => g.pid), server: minimal.pid };
        for (const rate of RATES) {
          console.error(`[mcp-proxy] open loop at ${rate} calls/s, minimal upstream`);
          await openPair(', minimal upstream', mPids, mDirect, mVia, rate);
        }
        console.error(`[mcp-proxy] gateway ceiling against a minimal upstream, ${CONCURRENCY} callers`);
        await sleep(SETTLE_MS);
        const md = await withCpu(mPids, () => closedLoop(mDirect, CONCURRENCY, SAT_SECONDS));
        await sleep(SETTLE_MS);
        const mg = await withCpu(mPids, () => closedLoop(mVia, CONCURRENCY, SAT_SECONDS));
        satRows.push(
          satRow('direct, minimal upstream', md),
          satRow(`${GATEWAY}, ${grants.length} grants, minimal upstream`, mg),
        );
        goals.push({
          goal: 'gateway ceiling ≥ 3,000 calls/s (minimal upstream)',
          measured: `${Math.round(mg.rps)} calls/s`,
          met: mg.rps >= 3000 ? 'yes' : 'NO',
        });
      } finally {
        await stopChild(minimal);
      }
    }

    console.error('[mcp-proxy] decision function alone');
    const decision = decisionBench(grants, caller, DECISIONS);
    goals.push({
      goal: 'decision p99 ≤ 50 µs',
      measured: `${decision.p99us.toFixed(2)} µs`,
      met: decision.p99us <= 50 ? 'yes' : 'NO',
    });

    printTable(
      `tools/call open loop, ${SECONDS} s per rate, latency from the due time (gateway has ${grants.length} grants)`,
      openRows,
    );
    printTable('tools/call: what the gateway adds (same run)', addedRows);
    printTable(`tools/call saturation: closed loop, ${CONCURRENCY} callers, ${SAT_SECONDS} s`, satRows);
    printTable(
      `grant decision alone over ${grants.length} grants (compile once: ${decision.compileMs.toFixed(2)} ms)`,
      decision.rows,
    );
    printTable('audit rows per tools/call', auditRows);
    printTable('goals', goals);
    printTable('machine', [
      {
        cpus: cpus().length,
        'gateway processes': GATEWAY_REPLICAS,
        'load average (1 min) before / after the load phases': `${loadAtStart.toFixed(2)} / ${loadAtEnd.toFixed(2)}`,
        note: 'everything (load, gateway, MCP server, broker, PostgreSQL) shares these cores',
      },
    ]);
    console.log(`\ntotal time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await pg.end().catch(() => undefined);
    for (const g of gateways) await stopChild(g);
    await stopChild(mcp);
    await stopChild(kafka.child);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

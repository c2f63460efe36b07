// Runtime benchmark, in one run:
// 1. decision latency in process: RuntimePolicyEngine's decision over warm projections (facts loaded once) against a
//    no-op call through the same timing loop, p50/p99 and decisions per second on one core; and, for reference, the
//    whole evaluate() that reads the projections from Postgres on each call;
// 2. launch time of the sample weather server: POST /api/servers/:id/start to the first successful MCP initialize,
//    against `podman run` of the same image with the same limits to its first initialize, alternating rounds.
// Needs podman, docker-registry and runc (scripts/setup.sh) and a built policy engine (pnpm --filter
// @mcp-host/policy-engine build).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedKafka } from '@mcp-host/embedded-kafka';
import { createTestDatabase, freePort } from '@mcp-host/platform/testing';
import { median, percentile, printTable } from '../lib/stats';
import {
  decide,
  RuntimePolicyEngine,
  type DecisionFacts,
} from '../../apps/policy-engine/dist/decisions/runtime-policy-engine';
import { PolicyFactsRepository } from '../../apps/policy-engine/dist/projections/policy-facts.repository';
import { ExecutorRegistry } from '../../apps/policy-engine/dist/runtime/executor-registry';
import { CreateServers1763900000000 } from '../../apps/policy-engine/dist/migrations/1763900000000-create-servers';
import { AddServerStatusReason1763900002000 } from '../../apps/policy-engine/dist/migrations/1763900002000-add-server-status-reason';
import { CreateRuntimePolicy1764600000000 } from '../../apps/policy-engine/dist/migrations/1764600000000-create-runtime-policy';
import { startLocalEngine, WEATHER_IMAGE } from '../../apps/policy-engine/test/support/local-engine';

const MAIN = resolve(__dirname, '..', '..', 'apps', 'policy-engine', 'dist', 'main.js');
const DECISIONS = Number(process.env.DECISIONS ?? 200_000);
const DB_DECISIONS = Number(process.env.DB_DECISIONS ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

type Manager = Parameters<RuntimePolicyEngine['evaluate']>[0];

/** Times `fn` per call with hrtime; returns sorted microseconds and calls per second over the whole loop. */
function timeLoop<T>(n: number, fn: (i: number) => T): { us: number[]; perSecond: number } {
  const us = new Array<number>(n);
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn(i);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (r) sink++;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink < 0) console.log(sink);
  return { us: us.sort((a, b) => a - b), perSecond: n / total };
}

async function decisionBench(): Promise<Record<string, string | number>[]> {
  const db = await createTestDatabase('bench_runtime_decide');
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    await pg.query('CREATE SCHEMA policy_engine');
    await pg.query('SET search_path TO policy_engine, public');
    const runner = { query: (sql: string) => pg.query(sql) };
    for (const M of [
      CreateServers1763900000000,
      AddServerStatusReason1763900002000,
      CreateRuntimePolicy1764600000000,
    ])
      await new M().up(runner as never);
    const m = {
      query: async (sql: string, params?: unknown[]) => (await pg.query(sql, params)).rows,
    } as unknown as Manager;

    // One gold server with every fact a decision reads: artifact, passing certification, governance run, promotion.
    const facts = new PolicyFactsRepository();
    const server = { id: randomUUID(), name: 'bench', server_type: 'Router', tier: 'gold' };
    const artifact = randomUUID();
    const digest = `sha256:${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    const at = new Date().toISOString();
    await facts.upsertArtifact(m, {
      id: artifact,
      server_id: server.id,
      registry_image: '127.0.0.1:5000/mcp/bench:1',
      manifest_digest: digest,
      status: 'succeeded',
      credential_health_status: 'healthy',
      completed_at: at,
    });
    for (const req of ['security-scan', 'conformance'])
      await facts.upsertCertification(m, {
        id: randomUUID(),
        artifact_run_id: artifact,
        manifest_digest: digest,
        tier: 'gold',
        policy_requirement: req,
        status: 'pass',
        valid_from: at,
        valid_until: new Date(Date.now() + 86_400_000).toISOString(),
        version: 1,
        updated_at: at,
      });
    const run = randomUUID();
    await facts.upsertGovernanceRun(m, {
      run_id: run,
      workflow_id: randomUUID(),
      tier: 'gold',
      artifact_run_id: artifact,
      manifest_digest: digest,
      promotion_id: null,
      policy_decision_id: null,
      status: 'succeeded',
      version: 2,
      updated_at: at,
    });
    await facts.upsertPromotion(m, {
      promotion_id: randomUUID(),
      track_id: randomUUID(),
      manifest_digest: digest,
      stage: 'production',
      tier: 'gold',
      artifact_run_id: artifact,
      status: 'active',
      governance_run_id: run,
      version: 3,
      updated_at: at,
    });

    const registry = new ExecutorRegistry();
    const descriptor = { name: 'docker-local', kind: 'docker', capabilities: ['container', 'gpu'] };
    registry.register({ descriptor } as never);
    const config = {
      RUNTIME_TIERS: ['dev', 'gold'],
      RUNTIME_DEFAULT_TIER: 'dev',
      RUNTIME_UNGATED_TIERS: ['dev'],
      RUNTIME_TIER_REQUIREMENTS: { gold: ['security-scan', 'conformance'] },
      RUNTIME_DEFAULT_IMAGES: {},
      RUNTIME_DEFAULT_BACKEND: 'docker',
    };
    const engine = new RuntimePolicyEngine(facts, registry, config as never);
    const request = { capabilities: ['gpu'] };
    const warm: DecisionFacts = await engine.load(m, server, request, new Date());
    const check = decide(warm);
    if (check.evaluation_required || check.governance_required || !check.capabilities_satisfied)
      throw new Error(`the bench decision should pass every gate: ${check.policy_notes.join(', ')}`);

    const noop = (f: DecisionFacts) => f;
    // Warm-up, then measured loops of each.
    timeLoop(20_000, () => noop(warm));
    timeLoop(20_000, () => decide(warm));
    const base = timeLoop(DECISIONS, () => noop(warm));
    const dec = timeLoop(DECISIONS, () => decide(warm));

    const full: number[] = [];
    for (let i = 0; i < 200; i++) await engine.evaluate(m, server, request);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < DB_DECISIONS; i++) {
      const s = process.hrtime.bigint();
      await engine.evaluate(m, server, request);
      full.push(Number(process.hrtime.bigint() - s) / 1000);
    }
    const fullPerSecond = DB_DECISIONS / (Number(process.hrtime.bigint() - t0) / 1e9);
    full.sort((a, b) => a - b);

    const row = (name: string, us: number[], perSecond: number, goal: string) => ({
      path: name,
      'p50 µs': percentile(us, 50),
      'p99 µs': percentile(us, 99),
      'per second': Math.round(perSecond),
      goal,
    });
    return [
      row('no-op baseline (same loop)', base.us, base.perSecond, '-'),
      row('decision over warm projections', dec.us, dec.perSecond, 'p99 ≤ 250 µs, ≥ 20,000/s'),
      row('evaluate() reading Postgres each time', full, fullPerSecond, '(reference)'),
    ];
  } finally {
    await pg.end();
    await db.drop();
  }
}

/** First successful MCP initialize on `url`, polled every 10 ms; resolves with the time it answered. */
async function firstInitialize(url: () => Promise<string | undefined>, timeoutMs = 60_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  while (Date.now() < deadline) {
    const target = await url().catch(() => undefined);
    if (target) {
      const ok = await new Promise<boolean>((done) => {
        const u = new URL(target);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            timeout: 1000,
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => done(res.statusCode === 200 && text.includes('"serverInfo"')));
          },
        );
        req.once('error', () => done(false));
        req.once('timeout', () => req.destroy());
        req.end(body);
      });
      if (ok) return process.hrtime.bigint();
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no MCP initialize answer');
}

/** The host port of a container's 8080/tcp, from the engine API (what `podman port` prints, without a process). */
function hostPortByLabel(socketPath: string, label: string): Promise<string | undefined> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  return new Promise((done) => {
    const req = request({ socketPath, path: `/containers/json?filters=${filters}`, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        try {
          const list = JSON.parse(text) as {
            State: string;
            Ports: { PrivatePort: number; PublicPort?: number }[];
          }[];
          const port = list
            .find((c) => c.State === 'running')
            ?.Ports.find((p) => p.PrivatePort === 8080)?.PublicPort;
          done(port ? `http://127.0.0.1:${port}/mcp` : undefined);
        } catch {
          done(undefined);
        }
      });
    });
    req.once('error', () => done(undefined));
    req.end();
  });
}

async function launchBench(): Promise<Record<string, string | number>[]> {
  const engine = await startLocalEngine();
  const root = mkdtempSync(join(tmpdir(), 'bench-runtime-'));
  const kafka = await startEmbeddedKafka({ port: 0, host: '127.0.0.1', dataDir: join(root, 'kafka') });
  const db = await createTestDatabase('bench_runtime_launch');
  const socket = engine.dockerHost.slice('unix://'.length);
  let service: ChildProcess | undefined;
  try {
    const port = await freePort();
    service = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafka.brokers.join(','),
        BIND_ADDRESS: '127.0.0.1',
        BIND_PORT: String(port),
        LOG_LEVEL: 'warn',
        DOCKER_HOST: engine.dockerHost,
        RUNTIME_INSTANCE: 'bench',
        RUNTIME_DEFAULT_IMAGES: `*=${WEATHER_IMAGE}`,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as { id: string; status: string };
    };
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${base}/readyz`)
        .then((r) => r.ok)
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error('the policy engine did not start');
      await new Promise((r) => setTimeout(r, 100));
    }

    const viaService: number[] = [];
    const viaPodman: number[] = [];
    // One untimed launch of each warms the engine's image and network caches.
    for (let round = -1; round < ROUNDS; round++) {
      const server = await api('POST', '/api/servers', {
        name: `bench-${round + 1}`,
        server_type: 'Weather',
      });
      const t0 = process.hrtime.bigint();
      await api('POST', `/api/servers/${server.id}/start`, { tier: 'dev' });
      const t1 = await firstInitialize(() => hostPortByLabel(socket, `org.mcp-host.server-id=${server.id}`));
      if (round >= 0) viaService.push(Number(t1 - t0) / 1e6);
      await api('POST', `/api/servers/${server.id}/stop`, {});

      const name = `bench-podman-${round + 1}`;
      const p0 = process.hrtime.bigint();
      engine.podman([
        'run',
        '-d',
        '--name',
        name,
        '--label',
        `bench=${name}`,
        '--user',
        '10001:10001',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '--memory',
        '256m',
        '--cpus',
        '0.5',
        '--pids-limit',
        '128',
        '-p',
        '127.0.0.1::8080',
        WEATHER_IMAGE,
      ]);
      const p1 = await firstInitialize(() => hostPortByLabel(socket, `bench=${name}`));
      if (round >= 0) viaPodman.push(Number(p1 - p0) / 1e6);
      engine.podman(['rm', '-f', name]);
    }
    const s = median(viaService);
    const p = median(viaPodman);
    return [
      {
        path: 'podman run → first initialize (baseline)',
        'median ms': p,
        'max ms': Math.max(...viaPodman),
        ratio: 1,
        goal: '-',
      },
      {
        path: 'POST /start → first initialize',
        'median ms': s,
        'max ms': Math.max(...viaService),
        ratio: s / p,
        goal: '≤ 1.2×',
      },
    ];
  } finally {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    await kafka.stop();
    await db.drop();
    await engine.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  execFileSync('sh', ['-c', 'command -v podman && command -v docker-registry'], { stdio: 'ignore' });
  printTable(`Runtime decision latency (${DECISIONS} decisions, one core)`, await decisionBench());
  printTable(`Launch of the weather server (${ROUNDS} rounds each, alternating)`, await launchBench());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// Standalone start-up: cold start (empty data dir) and warm restart to every service ready through the gateway,
// and the host process RSS once ready; a bare `node` process is the baseline. 3 runs each, median.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, printTable, rssMiB } from '../lib/stats';

const BIN = resolve(__dirname, '..', '..', 'packages', 'standalone', 'dist', 'bin.js');
const RUNS = Number(process.env.RUNS ?? 3);
const READY_GOAL_S = 8;
const RSS_GOAL_MIB = 500;

interface Sample {
  readyS: number;
  reportedS: number;
  rssMiB: number;
  stopS: number;
}

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  for (const k of ['DATABASE_URL', 'KAFKA_BROKERS', 'LOG_LEVEL', 'MCP_HOST_DATA_DIR']) delete e[k];
  return e;
}

async function sleep(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

async function allReady(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { status?: string };
    return body.status === 'ready';
  } catch {
    return false;
  }
}

async function startOnce(dataDir: string): Promise<Sample> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, '--port', '0'], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mcp-host exited: ${err || out}`);
    if (Date.now() > deadline) throw new Error(`not ready within 120 s: ${out}`);
    url ??= /gateway\s+(http:\/\/\S+)/.exec(out)?.[1];
    if (url) {
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      if (await allReady(url, token)) break;
    }
    await sleep(20);
  }
  const readyS = (performance.now() - t0) / 1000;
  const rss = rssMiB(child.pid!);
  const reportedS = Number(/ready in ([\d.]+) s/.exec(out)?.[1] ?? NaN);
  const s0 = performance.now();
  child.kill('SIGINT');
  const code = await exited;
  if (code !== 0) throw new Error(`mcp-host stopped with exit code ${code}: ${err}`);
  return { readyS, reportedS, rssMiB: rss, stopS: (performance.now() - s0) / 1000 };
}

async function bareNode(): Promise<{ s: number; rss: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)'], { stdio: 'ignore' });
  await sleep(150);
  const rss = rssMiB(child.pid!);
  await new Promise((r) => child.once('exit', r));
  return { s: (performance.now() - t0) / 1000 - 0.3, rss };
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'bench-standalone-'));
  try {
    const cold: Sample[] = [];
    const warm: Sample[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const dir = join(root, `cold-${i}`);
      cold.push(await startOnce(dir));
      warm.push(await startOnce(dir));
      process.stderr.write(
        `run ${i + 1}/${RUNS}: cold ${cold[i].readyS.toFixed(2)} s, warm ${warm[i].readyS.toFixed(2)} s\n`,
      );
    }
    const bare = [];
    for (let i = 0; i < RUNS; i += 1) bare.push(await bareNode());

    const row = (name: string, xs: Sample[]) => ({
      case: name,
      'ready s (median)': median(xs.map((x) => x.readyS)),
      'ready s (runs)': xs.map((x) => x.readyS.toFixed(2)).join(' / '),
      'host-reported s': median(xs.map((x) => x.reportedS)),
      'RSS MiB (median)': median(xs.map((x) => x.rssMiB)),
      'stop s': median(xs.map((x) => x.stopS)),
    });
    printTable(
      `mcp-host start on ${cpus().length} cores, ${RUNS} runs each (goal: ready <= ${READY_GOAL_S} s, RSS < ${RSS_GOAL_MIB} MiB)`,
      [
        row('cold start (empty data dir)', cold),
        row('warm restart (same data dir)', warm),
        {
          case: 'baseline: bare node process',
          'ready s (median)': median(bare.map((b) => b.s)),
          'ready s (runs)': bare.map((b) => b.s.toFixed(2)).join(' / '),
          'host-reported s': '-',
          'RSS MiB (median)': median(bare.map((b) => b.rss)),
          'stop s': '-',
        },
      ],
    );
    const worstReady = Math.max(median(cold.map((x) => x.readyS)), median(warm.map((x) => x.readyS)));
    const worstRss = Math.max(...[...cold, ...warm].map((x) => x.rssMiB));
    console.log(
      `\nready goal ${worstReady <= READY_GOAL_S ? 'met' : 'MISSED'} (${worstReady.toFixed(2)} s); ` +
        `RSS goal ${worstRss < RSS_GOAL_MIB ? 'met' : 'MISSED'} (max ${worstRss.toFixed(0)} MiB). ` +
        'RSS is the mcp-host process only; PostgreSQL runs in its own processes.',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Child processes of the benchmarks: the embedded broker as its own process, services forked with an IPC channel,
// and a stop that asks first and kills only what does not leave.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The built embedded broker on a free loopback port, without fsync; resolves once it prints its address. */
export async function startKafkaProcess(): Promise<{ child: ChildProcess; brokers: string[] }> {
  const bin = join(ROOT, 'packages', 'embedded-kafka', 'dist', 'bin.js');
  const child = spawn(process.execPath, [bin, '--port', '0', '--host', '127.0.0.1', '--fsync', 'never'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const addr = await new Promise<string>((r) =>
    child.stdout?.once('data', (c: Buffer) => r(c.toString().trim())),
  );
  return { child, brokers: [addr] };
}

/** The child's next IPC message that `pick` accepts; rejects if the child exits first. */
export function nextMessage<T>(
  child: ChildProcess,
  pick: (m: Record<string, unknown>) => boolean,
): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!pick(m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolvePromise(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child process exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sends `message` (or SIGTERM without an IPC channel), waits up to 5 s, then SIGTERM, then SIGKILL. */
export async function stopChild(
  child: ChildProcess,
  message: Record<string, unknown> = { ask: 'stop' },
): Promise<void> {
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  if (gone()) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send(message);
  else child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (!gone()) child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  if (!gone()) child.kill('SIGKILL');
}

/**
 * The Node flags a service's image runs it with: what its Dockerfile's CMD puts between `node` and `dist/main.js`, so
 * a benchmark measures the service as deployed.
 */
export function imageNodeFlags(app: string): string[] {
  const dockerfile = readFileSync(join(ROOT, 'apps', app, 'Dockerfile'), 'utf8');
  const cmd = dockerfile
    .split('\n')
    .filter((l) => l.startsWith('CMD '))
    .at(-1);
  const args = cmd ? (JSON.parse(cmd.slice(4)) as string[]) : [];
  return args.slice(1, -1);
}

/** SERVICE_FLAGS: extra Node flags for a benchmark's service process (space-separated, e.g. `--trace-gc`). */
export function serviceFlags(): string[] {
  return (process.env.SERVICE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * CPU time (user + system, ms) of this machine's processes named `name` (e.g. `postgres`), from /proc; NaN where
 * /proc is not readable. Processes that exit between two readings take their time with them: measure across
 * long-lived ones (a service's pool connections).
 */
export function processCpuMs(name: string): number {
  let dirs: string[];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return NaN;
  }
  const hz = 100; // USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux
  let ticks = 0;
  for (const d of dirs) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== name) continue;
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / hz;
}

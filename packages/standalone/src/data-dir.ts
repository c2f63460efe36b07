// The data dir: Postgres and Kafka data, the admin token, state.json (ports, the cluster password) and a pid lock.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { processAlive } from './process-alive';

export interface HostState {
  postgres?: { port: number; password: string };
  /** The local registry's port, kept so image references in the ledger stay valid across restarts. */
  registry?: { port: number };
  /** The master key provider-key material is encrypted under (base64, 32 bytes), made once per data dir. */
  providerKeysKey?: string;
}

export class DataDir {
  readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  get postgres(): string {
    return join(this.root, 'postgres');
  }
  get kafka(): string {
    return join(this.root, 'kafka');
  }
  get adminTokenFile(): string {
    return join(this.root, 'admin-token');
  }
  get postgresLog(): string {
    return join(this.root, 'postgres.log');
  }
  private get stateFile(): string {
    return join(this.root, 'state.json');
  }
  private get lockFile(): string {
    return join(this.root, 'mcp-host.pid');
  }

  async ensure(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
  }

  async readState(): Promise<HostState> {
    try {
      return JSON.parse(await fs.readFile(this.stateFile, 'utf8')) as HostState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`Cannot read ${this.stateFile}: ${(err as Error).message}`);
    }
  }

  /** Written atomically and owner-only: it holds the embedded cluster's password. */
  async writeState(state: HostState): Promise<void> {
    const tmp = `${this.stateFile}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, this.stateFile);
  }

  /** Claims the data dir for this process; a live holder is an error, a dead one's claim is taken over. */
  async lock(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await fs.writeFile(this.lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number((await fs.readFile(this.lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new Error(`The data dir ${this.root} is in use by another mcp-host (pid ${holder})`);
      }
      await fs.rm(this.lockFile, { force: true });
    }
    throw new Error(`Cannot lock the data dir ${this.root}`);
  }

  async unlock(): Promise<void> {
    const holder = Number((await fs.readFile(this.lockFile, 'utf8').catch(() => '')).trim());
    if (holder === process.pid) await fs.rm(this.lockFile, { force: true });
  }
}

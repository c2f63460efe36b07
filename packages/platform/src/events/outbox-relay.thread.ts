// Runs the outbox relay on a worker thread (OUTBOX_RELAY_THREAD=worker) and stands in for it on the service's thread:
// started and stopped with the service, its counters applied to the service's registry, its log lines written by the
// service's logger, its lag answered from the thread. A thread that dies is started again after a second; the rows it
// had not published wait in the outbox, so nothing is lost, and what it published twice is deduped by event id.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino, { type Level, type Logger } from 'pino';
import {
  outboxLag,
  type OutboxLag,
  type OutboxRelayHandle,
  type RelayDatabase,
  type RelayMetrics,
} from './outbox.relay';

/** What the thread is started with (structured-cloned into it). */
export interface RelayThreadData {
  databaseUrl: string;
  /** The `options` of its connections: search_path first, then the service's timeouts. */
  connectionOptions: string;
  schema: string;
  clientId: string;
  brokers: string[];
  batchSize: number;
  maxBatchBytes: number;
  pollIntervalMs: number;
  logLevel: string;
}

/** From the service's thread to the relay's. */
export type RelayThreadMessage = { kind: 'stop' } | { kind: 'lag'; id: number };

/** From the relay's thread to the service's. */
export type RelayWorkerMessage =
  | { kind: 'started' }
  | { kind: 'stopped' }
  | { kind: 'leader'; leader: boolean }
  | { kind: 'log'; line: string }
  | { kind: 'published'; topic: string; type: string; n: number }
  | { kind: 'failure' }
  | { kind: 'parked'; topic: string; type: string }
  | { kind: 'lag'; id: number; lag?: OutboxLag; error?: string };

const RESTART_MS = 1_000;
const STOP_TIMEOUT_MS = 15_000;
const LAG_TIMEOUT_MS = 5_000;

/**
 * The worker's compiled entry. Run from the sources (the test suites import the kit's sources), the thread still runs
 * the built file: `test` depends on `build` in the task graph.
 */
export function relayWorkerEntry(): string {
  const dir = __filename.endsWith('.ts') ? resolve(__dirname, '..', '..', 'dist', 'events') : __dirname;
  const entry = join(dir, 'outbox-relay.worker.js');
  if (!existsSync(entry))
    throw new Error(`The outbox relay's thread entry ${entry} is missing; build @mcp-host/platform.`);
  return entry;
}

export interface OutboxRelayThreadOptions {
  data: RelayThreadData;
  /** For the lag while no thread runs. */
  db: Pick<RelayDatabase, 'query'>;
  metrics: RelayMetrics;
  logger: Logger;
}

export class OutboxRelayThread implements OutboxRelayHandle {
  private worker?: Worker;
  private exited: Promise<void> = Promise.resolve();
  private running = false;
  private leader = false;
  private restartTimer?: NodeJS.Timeout;
  private nextLag = 0;
  private readonly lagWaiters = new Map<
    number,
    { resolve: (lag: OutboxLag) => void; reject: (err: Error) => void }
  >();

  constructor(private readonly o: OutboxRelayThreadOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const worker = this.worker;
    if (worker) {
      worker.postMessage({ kind: 'stop' } satisfies RelayThreadMessage);
      // A relay stuck in a statement or a produce request must not hold the service's shutdown for ever.
      const kill = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(kill);
    }
  }

  lag(): Promise<OutboxLag> {
    const worker = this.worker;
    if (!worker) return outboxLag(this.o.db, []);
    const id = ++this.nextLag;
    return new Promise<OutboxLag>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.lagWaiters.delete(id);
        reject(new Error('the outbox relay thread did not answer'));
      }, LAG_TIMEOUT_MS);
      this.lagWaiters.set(id, {
        resolve: (lag) => {
          clearTimeout(timer);
          resolvePromise(lag);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      worker.postMessage({ kind: 'lag', id } satisfies RelayThreadMessage);
    });
  }

  private spawn(): void {
    const worker = new Worker(relayWorkerEntry(), { workerData: this.o.data, name: 'outbox-relay' });
    this.worker = worker;
    worker.on('message', (msg: RelayWorkerMessage) => this.onMessage(msg));
    worker.on('error', (err) => this.o.logger.error({ err }, 'outbox relay thread failed'));
    this.exited = new Promise((done) => {
      worker.once('exit', (code) => {
        this.worker = undefined;
        this.leader = false;
        for (const w of this.lagWaiters.values()) w.reject(new Error('the outbox relay thread ended'));
        this.lagWaiters.clear();
        if (this.running) {
          this.o.logger.error(
            { code, restartInMs: RESTART_MS },
            'outbox relay thread ended; starting another',
          );
          this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            if (this.running) this.spawn();
          }, RESTART_MS);
        }
        done();
      });
    });
  }

  private onMessage(msg: RelayWorkerMessage): void {
    switch (msg.kind) {
      case 'published':
        this.o.metrics.eventsPublished.inc({ topic: msg.topic, type: msg.type }, msg.n);
        break;
      case 'failure':
        this.o.metrics.relayFailures.inc();
        break;
      case 'parked':
        this.o.metrics.outboxParked.inc({ topic: msg.topic, type: msg.type });
        break;
      case 'leader':
        this.leader = msg.leader;
        break;
      case 'lag': {
        const waiter = this.lagWaiters.get(msg.id);
        this.lagWaiters.delete(msg.id);
        if (msg.lag) waiter?.resolve(msg.lag);
        else waiter?.reject(new Error(msg.error ?? 'no lag'));
        break;
      }
      case 'log':
        this.relog(msg.line);
        break;
      case 'started':
        this.o.logger.debug('outbox relay thread started');
        break;
      case 'stopped':
        this.o.logger.debug('outbox relay thread stopped');
        break;
    }
  }

  /** A line of the thread's pino, written again by the service's logger at its level. */
  private relog(line: string): void {
    try {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<
        string,
        unknown
      >;
      this.o.logger[(pino.levels.labels[level] as Level | undefined) ?? 'info'](fields, msg ?? '');
    } catch {
      this.o.logger.info(line.trim());
    }
  }
}

// The batched writer of the tool-call audit trail. The /mcp door hands each call over without waiting; calls are
// written in batches, each batch in one transaction that stores the rows and puts their mcp.tool.called events in
// the outbox, so a call costs the proxy no transaction of its own. A batch waits at most MCP_AUDIT_FLUSH_INTERVAL_MS
// (250 ms by default: at 500 calls/s, 50 ms batches cost the gateway about 0.2 ms more CPU per call, measured).
// While the database is unavailable, calls wait in memory (at most MAX_PENDING; beyond that they are counted as
// dropped) and the batch is retried; on shutdown what is pending is written before the database closes.
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  Counter,
  InjectConfig,
  InjectLogger,
  InvalidEventError,
  OutboxService,
  PlatformMetrics,
  Transactions,
} from '@mcp-host/platform';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { AuditRepository, type ToolCallRecord } from './audit.repository';

export const BATCH_SIZE = 500;
export const MAX_PENDING = 50_000;
const RETRY_MS = 1_000;

@Injectable()
export class AuditRecorder implements BeforeApplicationShutdown {
  private pending: ToolCallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private readonly recorded: Counter<'outcome'>;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: AuditRepository,
    private readonly outbox: OutboxService,
    @InjectLogger() private readonly logger: Logger,
    @InjectConfig() private readonly config: GatewayConfig,
    metrics: PlatformMetrics,
  ) {
    this.recorded = new Counter({
      name: 'mcp_host_mcp_audit_records_total',
      help: 'MCP tool calls handed to the audit writer, by outcome (written, dropped, invalid)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  /** Queues one call; returns at once. */
  record(call: ToolCallRecord): void {
    if (this.pending.length >= MAX_PENDING) {
      this.recorded.inc({ outcome: 'dropped' });
      return;
    }
    this.pending.push(call);
    if (this.pending.length >= BATCH_SIZE) void this.flush();
    else this.schedule(this.config.MCP_AUDIT_FLUSH_INTERVAL_MS);
  }

  /** Writes everything pending; resolves when the queue is empty or a batch failed (it is retried later). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.pending.length > 0) {
      this.logger.warn({ pending: this.pending.length }, 'MCP audit records not written before shutdown');
    }
  }

  private schedule(ms: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH_SIZE);
      try {
        await this.tx.run(async (m) => {
          await this.repo.insertMany(m, batch);
          await this.outbox.publishMany(
            m,
            batch.map((payload) => ({ type: 'mcp.tool.called' as const, payload })),
          );
        });
        this.recorded.inc({ outcome: 'written' }, batch.length);
      } catch (err) {
        if (err instanceof InvalidEventError) {
          // A record the contract refuses would fail every retry: it is dropped, loudly.
          this.recorded.inc({ outcome: 'invalid' }, batch.length);
          this.logger.error(
            { err: err.message, count: batch.length },
            'MCP audit batch refused by the contract',
          );
          continue;
        }
        const room = Math.max(0, MAX_PENDING - this.pending.length);
        if (room < batch.length) this.recorded.inc({ outcome: 'dropped' }, batch.length - room);
        this.pending.unshift(...batch.slice(0, room));
        this.logger.warn(
          { err: (err as Error).message, pending: this.pending.length },
          'MCP audit write failed',
        );
        if (!this.stopped) this.schedule(RETRY_MS);
        return;
      }
    }
  }
}

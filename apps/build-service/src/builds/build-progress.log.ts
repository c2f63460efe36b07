// A build's progress lines, published as `build.progress` events in small batches (one transaction per batch)
// so a chatty build does not cost one commit per line; the gateway streams them as the build log.
import type { DataSource } from 'typeorm';
import type { OutboxService } from '@mcp-host/platform';

const FLUSH_MS = 100;
const MAX_BATCH = 200;

export class BuildProgressLog {
  private sequence = 0;
  private pending: {
    stream: 'stdout' | 'stderr' | 'system';
    platform: string | null;
    line: string;
    logged_at: string;
  }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly buildId: string,
    private readonly serverId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  line(
    line: string,
    platform: string | null = null,
    stream: 'stdout' | 'stderr' | 'system' = 'stdout',
  ): void {
    this.pending.push({ stream, platform, line: line.slice(0, 8000), logged_at: new Date().toISOString() });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  system(line: string, platform: string | null = null): void {
    this.line(line, platform, 'system');
  }

  /** Publishes every line written so far; resolves when they are committed. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    const events = batch.map((l) => ({
      type: 'build.progress' as const,
      payload: { build_id: this.buildId, server_id: this.serverId, sequence: this.sequence++, ...l },
    }));
    this.flushing = this.flushing
      .then(() =>
        this.dataSource.transaction(async (m) => {
          await this.outbox.publishMany(m, events);
          await m.query('UPDATE build_runs SET log_sequence = GREATEST(log_sequence, $2) WHERE id = $1', [
            this.buildId,
            events[events.length - 1].payload.sequence,
          ]);
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => this.onError(err),
      );
    return this.flushing;
  }

  /** The next sequence number, for events written in another transaction (the final line of a build). */
  takeSequence(): number {
    return this.sequence++;
  }
}

// Announces each certification whose validity window ended, once: marks it and publishes
// `evaluation.certification.expired` in one transaction, then re-grades its catalog entries. Then re-renders the list
// rows that are still stale (rows from before list rows existed, or whose window ended without an announcement to
// make). Reads never wait for this: they compute expiry from `valid_until` and the Clock themselves, and build a stale
// row live.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig, InjectLogger, OutboxService, Transactions } from '@mcp-host/platform';
import { CatalogHealth } from '../catalog/catalog-health.service';
import { CatalogRenderer } from '../catalog/catalog-renderer.service';
import { Clock } from '../common/clock';
import type { MarketplaceConfig } from '../marketplace.config';
import { EvaluationRepository } from './evaluation.repository';
import { toCertificationEvent } from './evaluation.service';

/** The part of the kit's logger the sweep uses. */
interface Logger {
  warn(obj: object, msg: string): void;
}

/** Expiries announced, or stale list rows re-rendered, per transaction. */
const BATCH = 500;
/** Batches of stale list rows re-rendered per sweep at most. */
const RENDER_ROUNDS = 200;

@Injectable()
export class EvaluationExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly repo: EvaluationRepository,
    private readonly health: CatalogHealth,
    private readonly renderer: CatalogRenderer,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: MarketplaceConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.EVALUATION_EXPIRY_SWEEP_MS;
    if (every === 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) =>
        this.logger.warn({ err: (err as Error).message }, 'evaluation expiry sweep failed'),
      );
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Announces every expiry due by the Clock's now; returns how many. One sweep at a time per process. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const n = await this.tx.run(async (m) => {
        const rows = await this.repo.claimExpired(m, now, BATCH);
        await this.outbox.publishMany(
          m,
          rows.map((r) => ({
            type: 'evaluation.certification.expired' as const,
            payload: { ...toCertificationEvent(r), expired_at: now.toISOString() },
          })),
        );
        await this.health.refreshServers(
          m,
          rows.map((r) => r.server_id),
        );
        return rows.length;
      });
      total += n;
      if (n < BATCH) break;
    }
    // Bounded per sweep so one tick never runs unbounded (a large backfill after an upgrade goes on at the next).
    for (let round = 0; round < RENDER_ROUNDS; round += 1) {
      if ((await this.tx.run((m) => this.renderer.renderDue(m, BATCH))) === 0) break;
    }
    return total;
  }
}

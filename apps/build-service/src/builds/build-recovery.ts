// Fails, as interrupted, the runs whose worker stopped reporting (a replica killed mid-build), so no run stays
// half-written: the run, the server's `error` status and every event are written in one transaction.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InjectConfig, InjectLogger, OutboxService } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { registryTargetOf } from '../registry/registry-target';
import { RegistryTelemetryService } from '../telemetry/registry-telemetry.service';
import type { Stage } from './build-job';
import { recordFailure } from './outcome-recorder';
import { BuildRepository } from './build.repository';

const STAGES = new Set<string>(['clone', 'build', 'tag', 'push', 'manifest', 'auth']);

@Injectable()
export class BuildRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    @InjectLogger() private readonly logger: Logger,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly builds: BuildRepository,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(1000, (this.config.BUILD_STALE_AFTER_SECONDS * 1000) / 2);
    this.timer = setInterval(() => {
      this.running = this.sweep().then(
        () => undefined,
        (err: unknown) => this.logger.warn({ err }, 'stale build sweep failed'),
      );
    }, every);
    this.running = this.sweep().then(
      () => undefined,
      (err: unknown) => this.logger.warn({ err }, 'stale build sweep failed'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns the ids failed. */
  async sweep(): Promise<string[]> {
    return this.dataSource.transaction(async (m) => {
      const stale = await this.builds.lockStale(m, this.config.BUILD_STALE_AFTER_SECONDS);
      for (const b of stale) {
        const stage: Stage = b.stage && STAGES.has(b.stage) ? (b.stage as Stage) : 'build';
        const message = `The build was interrupted at ${stage}: its worker stopped reporting for ${this.config.BUILD_STALE_AFTER_SECONDS}s (service killed or restarted). Trigger a redeploy.`;
        await this.builds.markFailed(m, b.id, { stage, error_kind: 'interrupted', error: message });
        const serverName = b.registry_image?.split('/').pop()?.split(':')[0] ?? 'unknown';
        const target = registryTargetOf(this.config.REGISTRY_URL, serverName);
        await recordFailure(
          m,
          this.outbox,
          this.telemetry,
          {
            server_id: b.server_id,
            build_id: b.id,
            registry_endpoint: target.endpoint,
            retry_limit: this.config.REGISTRY_PUSH_RETRIES,
            image: b.registry_image?.replace(/:[^:/]+$/, '') ?? target.image,
            scopes: target.scopes,
          },
          {
            buildId: b.id,
            serverId: b.server_id,
            stage,
            kind: 'interrupted',
            message,
            platform: b.platforms.join(','),
            sequence: b.log_sequence + 1,
          },
        );
        this.logger.warn({ build_id: b.id, server_id: b.server_id, stage }, 'interrupted build failed');
      }
      return stale.map((b) => b.id);
    });
  }
}

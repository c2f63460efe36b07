// Runs accepted builds, at most BUILD_MAX_CONCURRENT at once (the rest wait as `queued`): per-platform image builds
// (bounded parallelism) each followed by its push, then the manifest publisher and the outcome recorder. The rooms
// do the work; the runner only orders them, keeps the heartbeat and removes the scratch directory.
import { rm } from 'node:fs/promises';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InjectConfig, InjectLogger, OutboxService, Transactions } from '@mcp-host/platform';
import { buildParallelism, type BuildConfig } from '../config/build-config';
import { platformTagSuffix } from '../config/platforms';
import { classifyError, errorMessage } from '../engine/push-error';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import { BuildProgressLog } from './build-progress.log';
import { mapLimited, sleep, StageError, type BuildJob, type Stage } from './build-job';
import { BuildRepository } from './build.repository';
import { ImageBuilder } from './image-builder';
import { ImagePusher } from './image-pusher';
import { ManifestPublisher } from './manifest-publisher';
import { OutcomeRecorder } from './outcome-recorder';

export { StageError, type BuildJob } from './build-job';

@Injectable()
export class BuildRunner implements BeforeApplicationShutdown {
  private readonly active = new Map<string, Promise<void>>();
  private readonly waiting: BuildJob[] = [];
  /** Slots taken: builds running plus reservations not yet started. */
  private slots = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    @InjectLogger() private readonly logger: Logger,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly builds: BuildRepository,
    private readonly images: ImageBuilder,
    private readonly pusher: ImagePusher,
    private readonly publisher: ManifestPublisher,
    private readonly recorder: OutcomeRecorder,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  /** Takes a slot when one is free: the run is then recorded `running`, otherwise `queued`. */
  reserve(): boolean {
    if (this.slots >= this.config.BUILD_MAX_CONCURRENT) return false;
    this.slots += 1;
    return true;
  }

  /** Gives back a slot reserved for a build that was not recorded after all. */
  release(): void {
    this.slots = Math.max(0, this.slots - 1);
    this.next();
  }

  /** Starts the job in the background (`reserved`), or queues it; its outcome lands in the database and on Kafka. */
  start(job: BuildJob, reserved: boolean): void {
    if (reserved) this.launch(job);
    else this.waiting.push(job);
    this.heartbeat ??= setInterval(
      () => {
        const ids = [...this.active.keys(), ...this.waiting.map((j) => j.buildId)];
        this.builds.heartbeat(ids).catch(() => undefined);
        if (ids.length === 0 && this.heartbeat) {
          clearInterval(this.heartbeat);
          this.heartbeat = undefined;
        }
      },
      Math.max(500, (this.config.BUILD_STALE_AFTER_SECONDS * 1000) / 4),
    );
  }

  private launch(job: BuildJob, fromQueue = false): void {
    const run = this.run(job, fromQueue)
      .catch((err: unknown) => this.logger.error({ err, build_id: job.buildId }, 'build runner crashed'))
      .finally(() => {
        this.active.delete(job.buildId);
        this.slots = Math.max(0, this.slots - 1);
        this.next();
      });
    this.active.set(job.buildId, run);
  }

  /** The oldest queued build takes a free slot; it is recorded `running` before its first stage. */
  private next(): void {
    while (this.waiting.length > 0 && this.slots < this.config.BUILD_MAX_CONCURRENT) {
      const job = this.waiting.shift()!;
      this.slots += 1;
      this.launch(job, true);
    }
  }

  /** Waits for builds in flight (bounded), so a clean stop never leaves a run half-written. */
  async beforeApplicationShutdown(): Promise<void> {
    // Queued builds are not started now; another replica's recovery fails them as interrupted.
    const queued = this.waiting.splice(0);
    await Promise.all(
      queued.map((j) => rm(j.scratchDir, { recursive: true, force: true }).catch(() => undefined)),
    );
    const pending = [...this.active.values()];
    if (pending.length > 0) await Promise.race([Promise.allSettled(pending), sleep(60_000)]);
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  async run(job: BuildJob, fromQueue = false): Promise<void> {
    const progress = new BuildProgressLog(this.dataSource, this.outbox, job.buildId, job.serverId, (err) =>
      this.logger.error({ err, build_id: job.buildId }, 'could not publish build progress'),
    );
    const base: TelemetryBase = {
      server_id: job.serverId,
      build_id: job.buildId,
      registry_endpoint: job.target.endpoint,
      retry_limit: this.config.REGISTRY_PUSH_RETRIES,
      image: job.target.image,
      scopes: job.target.scopes,
    };
    let stage: Stage = 'build';
    try {
      if (fromQueue) await this.tx.run((m) => this.builds.markRunning(m, job.buildId));
      this.telemetry.queue(base, 'build_started', {
        platform: job.platforms.join(','),
        architectures: job.platforms,
      });
      this.logger.info(
        {
          target: 'registry.push',
          server_id: job.serverId,
          build_id: job.buildId,
          registry_endpoint: job.target.endpoint,
          scopes: job.target.scopes,
          image: job.target.image,
        },
        'registry push target derived',
      );
      progress.system(`Building ${job.target.image}:${job.tag} for ${job.platforms.join(', ')}`);

      const parallelism = buildParallelism(this.config, job.platforms.length);
      const results = await mapLimited(job.platforms, parallelism, async (platform) => {
        const localRef = `localhost/mcp-host/${job.serverName.toLowerCase()}:${job.tag}-${platformTagSuffix(platform)}`;
        await this.images.build(job, platform, localRef, progress);
        stage = 'push';
        // The stage is a hint for readers of the run; the push does not wait for it.
        const staged = this.builds.setStage(job.buildId, 'push').catch(() => undefined);
        const pushed = await this.pusher.push(job, base, platform, localRef, progress);
        await staged;
        return pushed;
      });

      stage = 'manifest';
      const staged = this.builds.setStage(job.buildId, stage).catch(() => undefined);
      const manifestDigest = await this.publisher.publish(job, base, results, progress);
      await staged;
      await Promise.all([progress.flush(), this.telemetry.drain(job.buildId)]);
      await this.recorder.succeed(job, base, results, manifestDigest, progress);
    } catch (err) {
      const e =
        err instanceof StageError
          ? err
          : new StageError(stage, classifyError(errorMessage(err)), errorMessage(err));
      await Promise.all([progress.flush(), this.telemetry.drain(job.buildId)]);
      await this.recorder.fail(job, base, e, progress);
    } finally {
      await rm(job.scratchDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

// Runs one build after it was accepted: per-platform engine builds (bounded parallelism), tag and push with
// credential probe, retries and refresh, then the manifest list, the prune of dropped architectures and the ledger.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { ArtifactRun, EventType } from '@mcp-host/contracts';
import { InjectConfig, InjectLogger, OutboxService } from '@mcp-host/platform';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { buildParallelism, type BuildConfig } from '../config/build-config';
import { parsePlatform, platformOfTagSuffix, platformTagSuffix } from '../config/platforms';
import { CredentialService, emptyOutcome, type CredentialOutcome } from '../credentials/credential.service';
import { readCredentials } from '../credentials/docker-config';
import { ContainerEngine } from '../engine/container-engine';
import { classifyError, errorMessage, isTransient, type PushErrorKind } from '../engine/push-error';
import { OCI_INDEX, RegistryClient } from '../registry/registry-client';
import type { RegistryTarget } from '../registry/registry-target';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import { BuildProgressLog } from './build-progress.log';
import { BuildRepository } from './build.repository';

export interface BuildJob {
  buildId: string;
  serverId: string;
  serverName: string;
  sourceKind: 'git' | 'archive';
  sourceRepository: string | null;
  sourceBranch: string | null;
  sourceRevision: string | null;
  /** A fresh tar stream of the build context, one per platform build. */
  context: () => Readable;
  /** The scratch directory removed when the build ends (the clone or the extracted upload). */
  scratchDir: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  platforms: string[];
  noCache: boolean;
  target: RegistryTarget;
  tag: string;
  startedAt: Date;
}

type Stage = 'clone' | 'build' | 'tag' | 'push' | 'manifest' | 'auth';

export class StageError extends Error {
  constructor(
    readonly stage: Stage,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

interface PlatformResult {
  platform: string;
  remoteImage: string;
  remoteTag: string;
  digest: string | undefined;
  outcome: CredentialOutcome;
}

/** Runs `fn` over `items` with at most `limit` in flight; every item settles before the first failure is thrown. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class BuildRunner implements BeforeApplicationShutdown {
  private readonly active = new Map<string, Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    @InjectLogger() private readonly logger: Logger,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly builds: BuildRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly engine: ContainerEngine,
    private readonly registry: RegistryClient,
    private readonly credentials: CredentialService,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  /** Starts the job in the background; its outcome lands in the database and on Kafka. */
  start(job: BuildJob): void {
    const run = this.run(job)
      .catch((err: unknown) => this.logger.error({ err, build_id: job.buildId }, 'build runner crashed'))
      .finally(() => {
        this.active.delete(job.buildId);
        if (this.active.size === 0 && this.heartbeat) {
          clearInterval(this.heartbeat);
          this.heartbeat = undefined;
        }
      });
    this.active.set(job.buildId, run);
    this.heartbeat ??= setInterval(
      () => {
        this.builds.heartbeat([...this.active.keys()]).catch(() => undefined);
      },
      Math.max(500, (this.config.BUILD_STALE_AFTER_SECONDS * 1000) / 4),
    );
  }

  /** Waits for builds in flight (bounded), so a clean stop never leaves a run half-written. */
  async beforeApplicationShutdown(): Promise<void> {
    const pending = [...this.active.values()];
    if (pending.length > 0) await Promise.race([Promise.allSettled(pending), sleep(60_000)]);
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  async run(job: BuildJob): Promise<void> {
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
    const allPlatforms = job.platforms.join(',');
    let stage: Stage = 'build';
    try {
      this.telemetry.queue(base, 'build_started', {
        platform: allPlatforms,
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
        await this.buildPlatform(job, platform, localRef, progress);
        stage = 'push';
        // The stage is a hint for readers of the run; the push does not wait for it.
        const staged = this.builds.setStage(job.buildId, 'push').catch(() => undefined);
        const pushed = await this.tagAndPush(job, base, platform, localRef, progress);
        await staged;
        return pushed;
      });

      stage = 'manifest';
      const staged = this.builds.setStage(job.buildId, stage).catch(() => undefined);
      // The tag listing the prune needs is read while the manifest is published; nothing is deleted before it is.
      const tags = this.registry.listTags(job.target).then(
        (list) => ({ list }),
        (error: unknown) => ({ error }),
      );
      const manifestDigest = await this.publishManifest(job, base, results, progress);
      await this.prune(job, base, progress, await tags);
      await staged;
      await Promise.all([progress.flush(), this.telemetry.drain(job.buildId)]);
      await this.succeed(job, base, results, manifestDigest, progress);
    } catch (err) {
      const e =
        err instanceof StageError
          ? err
          : new StageError(stage, classifyError(errorMessage(err)), errorMessage(err));
      await Promise.all([progress.flush(), this.telemetry.drain(job.buildId)]);
      await this.fail(job, base, e, progress);
    } finally {
      await rm(job.scratchDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async buildPlatform(
    job: BuildJob,
    platform: string,
    localRef: string,
    progress: BuildProgressLog,
  ): Promise<void> {
    const noCache = job.noCache || this.config.REGISTRY_BUILD_DISABLE_CACHE;
    const once = async (nc: boolean) => {
      try {
        return await this.engine.build(
          job.context(),
          {
            tag: localRef,
            dockerfile: job.dockerfile,
            platform,
            buildArgs: job.buildArgs,
            noCache: nc,
            cacheFrom: this.config.REGISTRY_BUILD_CACHE_FROM,
          },
          (line) => progress.line(line, platform),
        );
      } catch (err) {
        const msg = errorMessage(err);
        throw new StageError(
          'build',
          classifyError(msg) === 'io' ? 'engine_unavailable' : 'build_failed',
          `${platform}: ${msg}`,
        );
      }
    };
    const got = await once(noCache);
    const want = parsePlatform(platform);
    if (got.architecture !== want.architecture && !noCache) {
      // Some engines (Podman 4) key the layer cache without the platform and hand back another architecture's image.
      progress.system(
        `Cached image is ${got.os}/${got.architecture}, not ${platform}; rebuilding without cache`,
        platform,
      );
      await once(true);
    }
    progress.system(`Built ${localRef}`, platform);
  }

  private async tagAndPush(
    job: BuildJob,
    base: TelemetryBase,
    platform: string,
    localRef: string,
    progress: BuildProgressLog,
  ): Promise<PlatformResult> {
    const outcome = emptyOutcome();
    const remoteTag = `${job.tag}-${platformTagSuffix(platform)}`;
    const remoteImage = `${job.target.image}:${remoteTag}`;
    await this.credentials.beforePush(base, platform, outcome);

    this.telemetry.queue(base, 'tag_started', { platform, reason: remoteImage });
    try {
      await this.engine.tag(localRef, job.target.image, remoteTag);
    } catch (err) {
      const msg = errorMessage(err);
      await this.telemetry.emit(base, 'tag_failed', { platform, error_kind: 'tag', error: msg });
      this.telemetry.queue(base, 'push_failed', { platform, attempt: 0, error_kind: 'tag', error: msg });
      throw new StageError('tag', 'tag', `${platform}: ${msg}`);
    }
    this.telemetry.queue(base, 'tag_succeeded', { platform });
    const digest = await this.pushWithRetry(job, base, platform, remoteTag, outcome, progress);
    return { platform, remoteImage, remoteTag, digest, outcome };
  }

  private async pushWithRetry(
    job: BuildJob,
    base: TelemetryBase,
    platform: string,
    remoteTag: string,
    outcome: CredentialOutcome,
    progress: BuildProgressLog,
  ): Promise<string | undefined> {
    const limit = this.config.REGISTRY_PUSH_RETRIES;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let auth: Awaited<ReturnType<typeof readCredentials>>;
      try {
        auth = await readCredentials(this.config.REGISTRY_AUTH_DOCKERCONFIG, job.target.endpoint);
      } catch (err) {
        // The push stream never opened: attempt 0, as the spec has it for pre-stream failures.
        const msg = `cannot read REGISTRY_AUTH_DOCKERCONFIG: ${errorMessage(err)}`;
        this.telemetry.queue(base, 'push_failed', {
          platform,
          attempt: 0,
          error_kind: 'credentials',
          error: msg,
        });
        throw new StageError('auth', 'credentials', msg);
      }
      this.telemetry.queue(base, 'push_started', { platform, attempt });
      const timeout = AbortSignal.timeout(this.config.REGISTRY_PUSH_TIMEOUT_SECONDS * 1000);
      try {
        const digest = await this.engine.push(
          job.target.image,
          remoteTag,
          auth ? { ...auth, serveraddress: job.target.endpoint } : undefined,
          (line) => progress.line(line, platform),
          timeout,
        );
        const retried = attempt > 1;
        this.telemetry.queue(
          base,
          'push_succeeded',
          {
            platform,
            attempt,
            ...(digest ? { digest } : {}),
            ...(retried ? { reason: 'succeeded_after_retry' } : {}),
          },
          retried ? 'registry push succeeded after retry' : undefined,
        );
        if (retried) progress.system(`registry push succeeded after retry (attempt ${attempt})`, platform);
        return digest;
      } catch (err) {
        const msg = timeout.aborted
          ? `push timed out after ${this.config.REGISTRY_PUSH_TIMEOUT_SECONDS}s: ${errorMessage(err)}`
          : errorMessage(err);
        const kind: PushErrorKind = timeout.aborted ? 'timeout' : classifyError(msg);
        this.telemetry.queue(
          base,
          'push_failed',
          { platform, attempt, error_kind: kind, error: msg, auth_expired: kind === 'auth' },
          'registry push failed',
        );
        progress.line(`push attempt ${attempt} failed (${kind}): ${msg}`, platform, 'stderr');
        if (kind === 'auth' && !refreshed && attempt <= limit && this.credentials.refreshConfigured) {
          refreshed = true;
          if (await this.credentials.refresh(base, platform, attempt, msg, outcome)) {
            this.telemetry.queue(base, 'push_retry', {
              platform,
              attempt,
              reason: 'auth_refresh',
              error_kind: kind,
              error: msg,
              auth_expired: true,
            });
            continue;
          }
        }
        if (isTransient(kind) && attempt <= limit) {
          this.telemetry.queue(base, 'push_retry', {
            platform,
            attempt,
            reason: 'transient',
            error_kind: kind,
            error: msg,
          });
          await sleep(this.config.REGISTRY_PUSH_BACKOFF_MS * 2 ** (attempt - 1));
          continue;
        }
        throw new StageError(kind === 'auth' ? 'auth' : 'push', kind, `${platform}: ${msg}`);
      }
    }
  }

  /** Transient registry HTTP faults retry like pushes do. */
  private async withRegistryRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(classifyError(errorMessage(err))) || attempt > this.config.REGISTRY_PUSH_RETRIES)
          throw err;
        await sleep(this.config.REGISTRY_PUSH_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  private async publishManifest(
    job: BuildJob,
    base: TelemetryBase,
    results: PlatformResult[],
    progress: BuildProgressLog,
  ): Promise<string> {
    const allPlatforms = job.platforms.join(',');
    try {
      const children = await Promise.all(
        results.map(async (r) => {
          const m = await this.withRegistryRetry(() => this.registry.getManifest(job.target, r.remoteTag));
          if (!m) throw new Error(`the registry has no manifest for ${r.remoteImage} after its push`);
          r.digest = m.digest;
          return { r, m };
        }),
      );
      let mediaType: string;
      let body: Buffer;
      if (children.length === 1) {
        // One platform: the tag points straight at its image manifest.
        mediaType = children[0].m.mediaType;
        body = children[0].m.body;
      } else {
        mediaType = OCI_INDEX;
        body = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: children.map(({ r, m }) => ({
              mediaType: m.mediaType,
              digest: m.digest,
              size: m.size,
              platform: parsePlatform(r.platform),
            })),
          }),
        );
      }
      const [digest] = await Promise.all([
        this.withRegistryRetry(() => this.registry.putManifest(job.target, job.tag, mediaType, body)),
        this.withRegistryRetry(() => this.registry.putManifest(job.target, 'latest', mediaType, body)),
      ]);
      this.telemetry.queue(base, 'manifest_published', {
        platform: allPlatforms,
        architectures: job.platforms,
        digest,
        attempt: 1,
        status: children.length > 1 ? 'manifest_list' : 'single_platform',
      });
      progress.system(`Manifest published with digest ${digest}`);
      return digest;
    } catch (err) {
      const msg = errorMessage(err);
      throw new StageError('manifest', classifyError(msg), `manifest publish failed: ${msg}`);
    }
  }

  /** Deletes the per-platform manifests of architectures this build no longer produces. Never fails the build. */
  private async prune(
    job: BuildJob,
    base: TelemetryBase,
    progress: BuildProgressLog,
    listed: { list: string[] } | { error: unknown },
  ): Promise<void> {
    let stale: { tag: string; platform: string }[];
    try {
      if ('error' in listed) throw listed.error;
      const tags = listed.list;
      stale = [];
      for (const tag of tags) {
        const m = /^(.+?)-(linux-.+)$/.exec(tag);
        const platform = m ? platformOfTagSuffix(tag, m[1]) : undefined;
        if (platform && !job.platforms.includes(platform)) stale.push({ tag, platform });
      }
    } catch (err) {
      await this.telemetry.emit(base, 'manifest_prune_failed', {
        platform: job.platforms.join(','),
        error_kind: classifyError(errorMessage(err)),
        error: errorMessage(err),
      });
      return;
    }
    if (stale.length === 0) return;
    const architectures = [...new Set(stale.map((s) => s.platform))].sort();
    const fields = { platform: architectures.join(','), architectures };
    await this.telemetry.emit(base, 'manifest_prune_started', {
      ...fields,
      reason: `${stale.length} manifest tags`,
    });
    try {
      const digests = new Set<string>();
      for (const s of stale) {
        const m = await this.registry.getManifest(job.target, s.tag);
        if (m) digests.add(m.digest);
      }
      for (const d of digests) await this.registry.deleteManifest(job.target, d);
      await this.telemetry.emit(base, 'manifest_prune_succeeded', {
        ...fields,
        status: `pruned ${digests.size} manifests`,
      });
      progress.system(`Pruned manifests of ${architectures.join(', ')}`);
    } catch (err) {
      const msg = errorMessage(err);
      await this.telemetry.emit(base, 'manifest_prune_failed', {
        ...fields,
        error_kind: classifyError(msg),
        error: msg,
      });
      progress.line(`manifest prune failed: ${msg}`, null, 'stderr');
    }
  }

  private async succeed(
    job: BuildJob,
    base: TelemetryBase,
    results: PlatformResult[],
    manifestDigest: string,
    progress: BuildProgressLog,
  ): Promise<void> {
    const registryImage = `${job.target.image}:${job.tag}`;
    const outcomes = results.map((r) => r.outcome);
    const any = (k: keyof Omit<CredentialOutcome, 'credential_health_status'>) => outcomes.some((o) => o[k]);
    const all = (k: keyof Omit<CredentialOutcome, 'credential_health_status'>) =>
      outcomes
        .filter(
          (o) => o[k === 'auth_refresh_succeeded' ? 'auth_refresh_attempted' : 'auth_rotation_attempted'],
        )
        .every((o) => o[k]);
    const artifactId = job.sourceKind === 'git' ? randomUUID() : null;
    const completedAt = new Date();
    await this.dataSource.transaction(async (m) => {
      const won = await this.builds.markSucceeded(m, job.buildId, {
        artifact_run_id: artifactId,
        manifest_digest: manifestDigest,
        registry_image: registryImage,
      });
      if (!won) throw new Error('the build was already finished (failed as interrupted) before it succeeded');
      const events: { type: EventType; payload: unknown }[] = [];
      if (artifactId) {
        const run: ArtifactRun = {
          id: artifactId,
          server_id: job.serverId,
          build_id: job.buildId,
          source_repo: job.sourceRepository ?? '',
          source_branch: job.sourceBranch ?? '',
          source_revision: job.sourceRevision,
          local_image: `localhost/mcp-host/${job.serverName.toLowerCase()}:${job.tag}`,
          registry_image: registryImage,
          manifest_tag: job.tag,
          manifest_digest: manifestDigest,
          started_at: job.startedAt.toISOString(),
          completed_at: completedAt.toISOString(),
          multi_arch: job.platforms.length > 1,
          auth_refresh_attempted: any('auth_refresh_attempted'),
          auth_refresh_succeeded: any('auth_refresh_attempted') && all('auth_refresh_succeeded'),
          auth_rotation_attempted: any('auth_rotation_attempted'),
          auth_rotation_succeeded: any('auth_rotation_attempted') && all('auth_rotation_succeeded'),
          credential_health_status: outcomes[outcomes.length - 1]?.credential_health_status ?? 'unconfigured',
          status: 'succeeded',
          platforms: results.map((r) => ({
            platform: r.platform,
            remote_image: r.remoteImage,
            digest: r.digest ?? null,
            ...r.outcome,
          })),
        };
        await this.artifacts.insert(m, run);
        events.push({ type: 'artifact.recorded', payload: run });
      }
      await this.builds.setServerBuildStatus(m, job.serverId, job.buildId, 'built', null);
      events.push(
        {
          type: 'build.progress',
          payload: {
            build_id: job.buildId,
            server_id: job.serverId,
            sequence: progress.takeSequence(),
            stream: 'system',
            platform: null,
            line: `Build succeeded: ${registryImage}@${manifestDigest}`,
            logged_at: completedAt.toISOString(),
          },
        },
        {
          type: 'build.succeeded',
          payload: {
            build_id: job.buildId,
            server_id: job.serverId,
            artifact_run_id: artifactId,
            registry_image: registryImage,
            manifest_digest: manifestDigest,
            completed_at: completedAt.toISOString(),
          },
        },
      );
      await this.outbox.publishMany(m, events);
      await this.telemetry.emitIn(m, base, 'build_succeeded', {
        platform: job.platforms.join(','),
        architectures: job.platforms,
        digest: manifestDigest,
      });
    });
  }

  private async fail(
    job: BuildJob,
    base: TelemetryBase,
    e: StageError,
    progress: BuildProgressLog,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = await this.builds.markFailed(m, job.buildId, {
        stage: e.stage,
        error_kind: e.kind,
        error: e.message,
      });
      if (!row) return;
      await recordFailure(m, this.outbox, this.builds, this.telemetry, base, {
        buildId: job.buildId,
        serverId: job.serverId,
        stage: e.stage,
        kind: e.kind,
        message: e.message,
        platform: job.platforms.join(','),
        sequence: progress.takeSequence(),
      });
    });
  }
}

/** The failure's events and the server's `error` status, inside the transaction that marked the run failed. */
export async function recordFailure(
  m: import('typeorm').EntityManager,
  outbox: OutboxService,
  builds: BuildRepository,
  telemetry: RegistryTelemetryService,
  base: TelemetryBase,
  f: {
    buildId: string;
    serverId: string;
    stage: Stage;
    kind: string;
    message: string;
    platform: string;
    sequence: number;
  },
): Promise<void> {
  const now = new Date().toISOString();
  await builds.setServerBuildStatus(m, f.serverId, f.buildId, 'error', f.message);
  await outbox.publish(m, 'build.progress', {
    build_id: f.buildId,
    server_id: f.serverId,
    sequence: f.sequence,
    stream: 'system',
    platform: null,
    line: `Build failed at ${f.stage} (${f.kind}): ${f.message}`,
    logged_at: now,
  });
  await outbox.publish(m, 'build.failed', {
    build_id: f.buildId,
    server_id: f.serverId,
    stage: f.stage,
    error_kind: f.kind,
    message: f.message,
    completed_at: now,
  });
  await telemetry.emitIn(
    m,
    base,
    'build_failed',
    {
      platform: f.platform,
      error_kind: f.kind,
      error: f.message,
      reason: f.stage,
      auth_expired: f.kind === 'auth',
    },
    f.stage === 'push' || f.stage === 'auth' ? 'registry push failed' : undefined,
  );
}

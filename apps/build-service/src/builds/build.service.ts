// Accepts a build: checks the server, platforms, source rules, engine and source (clone or archive, Dockerfile) up
// front so bad input is answered at once, records the run with `build.started` (with who asked), and hands the rest
// to the runner, which starts it at once or queues it.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { BuildRun, StartBuildBody } from '@mcp-host/contracts';
import {
  InjectConfig,
  OutboxService,
  ServerProjectionRepository,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
} from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { isSupportedPlatform, SUPPORTED_PLATFORMS } from '../config/platforms';
import { ContainerEngine } from '../engine/container-engine';
import { errorMessage } from '../engine/push-error';
import { registryTargetOf } from '../registry/registry-target';
import { BuildErrorCode, BuildException } from '../sources/build-source.exception';
import { RegistryTelemetryService } from '../telemetry/registry-telemetry.service';
import { BuildRunner } from './build-runner';
import { BuildRepository, toBuildRun, type BuildRunRow } from './build.repository';
import { ContextPreparer, type PreparedContext } from './context-preparer';
import { recordFailure } from './outcome-recorder';

function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string } | null)?.code === '23505' ||
    (err as { driverError?: { code?: string } })?.driverError?.code === '23505'
  );
}

@Injectable()
export class BuildService {
  /** Starts in progress on this replica, by server and idempotency key. */
  private readonly inFlight = new Map<string, Promise<BuildRun>>();

  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly servers: ServerProjectionRepository,
    private readonly builds: BuildRepository,
    private readonly engine: ContainerEngine,
    private readonly runner: BuildRunner,
    private readonly preparer: ContextPreparer,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  /**
   * Starts a build. With an idempotency key, a retry (while the first request still clones, or after it answered)
   * gets the same run instead of starting a second build.
   */
  async start(
    serverId: string,
    body: StartBuildBody,
    caller: { requestedBy: string | null; idempotencyKey: string | null },
  ): Promise<BuildRun> {
    if (!caller.idempotencyKey) return this.startOnce(serverId, body, caller.requestedBy, null);
    const key = `${serverId}\n${caller.idempotencyKey}`;
    const inFlight = this.inFlight.get(key);
    if (inFlight) return inFlight;
    const started = (async () => {
      const earlier = await this.tx.read((m) =>
        this.builds.findByIdempotencyKey(m, serverId, caller.idempotencyKey!),
      );
      if (earlier) return toBuildRun(earlier);
      return this.startOnce(serverId, body, caller.requestedBy, caller.idempotencyKey);
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async startOnce(
    serverId: string,
    body: StartBuildBody,
    requestedBy: string | null,
    idempotencyKey: string | null,
  ): Promise<BuildRun> {
    const server = await this.servers.findById(serverId);
    if (!server) throw new BuildException(BuildErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    const platforms = [...new Set(body.platforms ?? this.config.REGISTRY_ARCH_TARGETS)];
    const unsupported = platforms.filter((p) => !isSupportedPlatform(p));
    if (unsupported.length > 0) {
      throw new BuildException(
        BuildErrorCode.UNSUPPORTED_PLATFORM,
        `Unsupported platform ${unsupported.map((p) => JSON.stringify(p)).join(', ')}; supported: ${SUPPORTED_PLATFORMS.join(', ')}.`,
        { unsupported, supported: SUPPORTED_PLATFORMS },
      );
    }
    const archive = body.context_archive !== undefined;
    if (archive && (body.source_repository || body.source_branch || body.source_revision)) {
      throw new BuildException(
        BuildErrorCode.AMBIGUOUS_BUILD_SOURCE,
        'Give either a git source (source_repository/source_branch/source_revision) or context_archive, not both.',
      );
    }
    const rawRepository = archive ? null : (body.source_repository ?? server.source_repository);
    if (!archive && !rawRepository) {
      throw new BuildException(
        BuildErrorCode.NO_BUILD_SOURCE,
        'The server has no source repository; give source_repository or upload a context_archive.',
      );
    }
    // The source rules first: a refused source never reaches git, and no credential in it is ever kept.
    const checked = rawRepository ? await this.preparer.checkRepository(rawRepository) : null;
    const repository = checked?.url ?? null;
    const branch = archive ? null : (body.source_branch ?? server.source_branch ?? 'main');
    const dockerfile = body.dockerfile_path ?? server.dockerfile_path ?? 'Dockerfile';
    const target = registryTargetOf(this.config.REGISTRY_URL, server.name);
    const buildId = randomUUID();

    // The engine probe runs while the source is fetched; a missing engine stops the fetch and fails the build at
    // once, before it starts.
    const fetching = new AbortController();
    const engineReady = this.engine.ping().then(
      () => null,
      (err: unknown) => {
        fetching.abort();
        return err;
      },
    );
    let prepared: PreparedContext | null = null;
    let sourceError: Error | null = null;
    try {
      prepared = await this.preparer.prepare(
        buildId,
        checked
          ? { kind: 'git', source: checked, branch: branch!, revision: body.source_revision }
          : { kind: 'archive', archive: Buffer.from(body.context_archive!, 'base64') },
        dockerfile,
        fetching.signal,
      );
    } catch (err) {
      sourceError = err instanceof Error ? err : new Error(String(err));
    }
    const engineError = await engineReady;
    if (engineError !== null) {
      if (prepared) await this.preparer.remove(prepared.scratchDir);
      await this.failAtOnce(serverId, buildId, {
        platforms,
        archive,
        repository,
        branch,
        dockerfile,
        image: target.image,
        endpoint: target.endpoint,
        scopes: target.scopes,
        reason: errorMessage(engineError),
        requestedBy,
      });
    }
    if (sourceError !== null || !prepared)
      throw sourceError ?? new Error('the build context was not prepared');
    const context = prepared;

    const revision = context.revision;
    const tag = revision ?? `b-${buildId.replace(/-/g, '').slice(0, 12)}`;
    const reserved = this.runner.reserve();
    let row: BuildRunRow;
    try {
      row = await this.tx.run(async (m) => {
        const r = await this.builds.insert(m, {
          id: buildId,
          server_id: serverId,
          // A free slot: the runner takes it at once, in its build stage, with no second write to say so.
          status: reserved ? 'running' : 'queued',
          stage: reserved ? 'build' : null,
          platforms,
          source_kind: archive ? 'archive' : 'git',
          source_repository: repository,
          source_branch: branch,
          source_revision: revision,
          dockerfile_path: dockerfile,
          registry_image: `${target.image}:${tag}`,
          requested_by: requestedBy,
          idempotency_key: idempotencyKey,
        });
        await this.outbox.publish(m, 'build.started', {
          build_id: buildId,
          server_id: serverId,
          source_repository: repository,
          source_branch: branch,
          dockerfile_path: dockerfile,
          platforms,
          requested_by: requestedBy,
          started_at: new Date(r.started_at).toISOString(),
        });
        return r;
      });
    } catch (err) {
      if (reserved) this.runner.release();
      await this.preparer.remove(context.scratchDir);
      // Another replica recorded the same idempotency key first: its run is the answer.
      if (idempotencyKey && isUniqueViolation(err)) {
        const earlier = await this.tx.read((m) =>
          this.builds.findByIdempotencyKey(m, serverId, idempotencyKey),
        );
        if (earlier) return toBuildRun(earlier);
      }
      throw err;
    }
    this.runner.start(
      {
        buildId,
        serverId,
        serverName: server.name,
        sourceKind: archive ? 'archive' : 'git',
        sourceRepository: repository,
        sourceBranch: branch,
        sourceRevision: revision,
        context: context.context,
        scratchDir: context.scratchDir,
        dockerfile,
        buildArgs: body.build_args ?? {},
        platforms,
        noCache: body.no_cache ?? false,
        target,
        tag,
        startedAt: new Date(row.started_at),
      },
      reserved,
    );
    return toBuildRun(row);
  }

  /** No engine: the run is recorded as failed at once (server `error`), and the caller gets 503 naming DOCKER_HOST. */
  private async failAtOnce(
    serverId: string,
    buildId: string,
    f: {
      platforms: string[];
      archive: boolean;
      repository: string | null;
      branch: string | null;
      dockerfile: string;
      image: string;
      endpoint: string;
      scopes: string[];
      reason: string;
      requestedBy: string | null;
    },
  ): Promise<never> {
    const message = `No container engine is reachable at DOCKER_HOST=${this.config.DOCKER_HOST}: ${f.reason}`;
    await this.tx.run(async (m) => {
      const r = await this.builds.insert(m, {
        id: buildId,
        server_id: serverId,
        status: 'queued',
        platforms: f.platforms,
        source_kind: f.archive ? 'archive' : 'git',
        source_repository: f.repository,
        source_branch: f.branch,
        source_revision: null,
        dockerfile_path: f.dockerfile,
        registry_image: null,
        requested_by: f.requestedBy,
        idempotency_key: null,
      });
      await this.outbox.publish(m, 'build.started', {
        build_id: buildId,
        server_id: serverId,
        source_repository: f.repository,
        source_branch: f.branch,
        dockerfile_path: f.dockerfile,
        platforms: f.platforms,
        requested_by: f.requestedBy,
        started_at: new Date(r.started_at).toISOString(),
      });
      await this.builds.markFailed(m, buildId, {
        stage: 'build',
        error_kind: 'engine_unavailable',
        error: message,
      });
      await recordFailure(
        m,
        this.outbox,
        this.telemetry,
        {
          server_id: serverId,
          build_id: buildId,
          registry_endpoint: f.endpoint,
          retry_limit: this.config.REGISTRY_PUSH_RETRIES,
          image: f.image,
          scopes: f.scopes,
        },
        {
          buildId,
          serverId,
          stage: 'build',
          kind: 'engine_unavailable',
          message,
          platform: f.platforms.join(','),
          sequence: 0,
        },
      );
    });
    throw new BuildException(BuildErrorCode.ENGINE_UNAVAILABLE, message, {
      build_id: buildId,
      docker_host: this.config.DOCKER_HOST,
    });
  }

  async get(id: string): Promise<BuildRun> {
    const row = await this.builds.findById(id);
    if (!row) throw new BuildException(BuildErrorCode.BUILD_NOT_FOUND, `No build with id ${id}.`);
    return toBuildRun(row);
  }

  async list(
    serverId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: BuildRun[]; next_cursor: string | null }> {
    let before: { startedAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new BuildException(BuildErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
      before = { startedAt: c.key, id: c.id };
    }
    if (!(await this.servers.findById(serverId))) {
      throw new BuildException(BuildErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    }
    const rows = await this.builds.listByServer({ serverId, limit: q.limit + 1, before });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toBuildRun),
      next_cursor: rows.length > q.limit ? encodeKeysetCursor(last.started_at_key, last.id) : null,
    };
  }
}

// Accepts a build: checks the server, platforms, engine and source (clone or archive, Dockerfile) up front so bad
// input is answered at once, records the run with `build.started`, and hands the rest to the runner.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BuildRun, StartBuildBody } from '@mcp-host/contracts';
import {
  InjectConfig,
  OutboxService,
  ServerProjectionRepository,
  decodeKeysetCursor,
  encodeKeysetCursor,
} from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { isSupportedPlatform, SUPPORTED_PLATFORMS } from '../config/platforms';
import { ContainerEngine } from '../engine/container-engine';
import { errorMessage } from '../engine/push-error';
import { registryTargetOf } from '../registry/registry-target';
import { extractArchive } from '../sources/archive-source';
import { BuildErrorCode, BuildException } from '../sources/build-source.exception';
import { archiveStream, cloneSource } from '../sources/git-source';
import { RegistryTelemetryService } from '../telemetry/registry-telemetry.service';
import { BuildRunner, recordFailure } from './build-runner';
import { BuildRepository, toBuildRun } from './build.repository';

@Injectable()
export class BuildService {
  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly servers: ServerProjectionRepository,
    private readonly builds: BuildRepository,
    private readonly engine: ContainerEngine,
    private readonly runner: BuildRunner,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  async start(serverId: string, body: StartBuildBody): Promise<BuildRun> {
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
    const repository = archive ? null : (body.source_repository ?? server.source_repository);
    if (!archive && !repository) {
      throw new BuildException(
        BuildErrorCode.NO_BUILD_SOURCE,
        'The server has no source repository; give source_repository or upload a context_archive.',
      );
    }
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
    const scratchDir = join(this.config.BUILD_WORKDIR, buildId);
    const contextDir = join(scratchDir, 'context');
    let revision: string | null = null;
    let found = false;
    let sourceError: Error | null = null;
    try {
      await mkdir(scratchDir, { recursive: true });
      if (archive) {
        await extractArchive(Buffer.from(body.context_archive!, 'base64'), contextDir);
        const rel = relative(contextDir, resolve(contextDir, dockerfile));
        found =
          !rel.startsWith('..') &&
          (await stat(join(contextDir, rel)).then(
            (s) => s.isFile(),
            () => false,
          ));
      } else {
        const source = await cloneSource(
          {
            repository: repository!,
            branch: branch!,
            revision: body.source_revision,
            dir: contextDir,
            dockerfile,
          },
          this.config.BUILD_GIT_TIMEOUT_SECONDS,
          fetching.signal,
        );
        revision = source.revision;
        found = source.dockerfileFound;
      }
    } catch (err) {
      sourceError = err instanceof Error ? err : new Error(String(err));
    }
    const engineError = await engineReady;
    if (engineError !== null || sourceError !== null || !found) {
      await rm(scratchDir, { recursive: true, force: true });
    }
    if (engineError !== null) {
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
      });
    }
    if (sourceError !== null) throw sourceError;
    if (!found) {
      throw new BuildException(
        BuildErrorCode.DOCKERFILE_NOT_FOUND,
        `No Dockerfile at ${dockerfile} in the ${archive ? 'uploaded context' : `repository ${repository} (${branch})`}.`,
        { dockerfile_path: dockerfile },
      );
    }

    const tag = revision ?? `b-${buildId.replace(/-/g, '').slice(0, 12)}`;
    const row = await this.dataSource.transaction(async (m) => {
      const r = await this.builds.insert(m, {
        id: buildId,
        server_id: serverId,
        // The runner takes it at once: the run starts in its build stage, with no second write to say so.
        status: 'running',
        stage: 'build',
        platforms,
        source_kind: archive ? 'archive' : 'git',
        source_repository: repository,
        source_branch: branch,
        source_revision: revision,
        dockerfile_path: dockerfile,
        registry_image: `${target.image}:${tag}`,
        requested_by: null,
      });
      await this.outbox.publish(m, 'build.started', {
        build_id: buildId,
        server_id: serverId,
        source_repository: repository,
        source_branch: branch,
        dockerfile_path: dockerfile,
        platforms,
        requested_by: null,
        started_at: new Date(r.started_at).toISOString(),
      });
      return r;
    });
    this.runner.start({
      buildId,
      serverId,
      serverName: server.name,
      sourceKind: archive ? 'archive' : 'git',
      sourceRepository: repository,
      sourceBranch: branch,
      sourceRevision: revision,
      context: archive
        ? () => tar.c({ cwd: contextDir, portable: true }, ['.']) as unknown as Readable
        : () => archiveStream(contextDir, revision!),
      scratchDir,
      dockerfile,
      buildArgs: body.build_args ?? {},
      platforms,
      noCache: body.no_cache ?? false,
      target,
      tag,
      startedAt: new Date(row.started_at),
    });
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
    },
  ): Promise<never> {
    const message = `No container engine is reachable at DOCKER_HOST=${this.config.DOCKER_HOST}: ${f.reason}`;
    await this.dataSource.transaction(async (m) => {
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
        requested_by: null,
      });
      await this.outbox.publish(m, 'build.started', {
        build_id: buildId,
        server_id: serverId,
        source_repository: f.repository,
        source_branch: f.branch,
        dockerfile_path: f.dockerfile,
        platforms: f.platforms,
        requested_by: null,
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
        this.builds,
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

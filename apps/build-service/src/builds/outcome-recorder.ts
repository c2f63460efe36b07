// The run's final write and its events: success (the run, the ledger rows, `artifact.recorded`, `build.succeeded`
// and the last progress line) or failure (the run, `build.failed` and its line), each in one transaction.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { ArtifactRun, EventType } from '@mcp-host/contracts';
import { OutboxService } from '@mcp-host/platform';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import type { CredentialOutcome } from '../credentials/credential.service';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import type { BuildProgressLog } from './build-progress.log';
import { BuildRepository } from './build.repository';
import type { BuildJob, PlatformResult, Stage, StageError } from './build-job';

@Injectable()
export class OutcomeRecorder {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly builds: BuildRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  async succeed(
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

  async fail(job: BuildJob, base: TelemetryBase, e: StageError, progress: BuildProgressLog): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = await this.builds.markFailed(m, job.buildId, {
        stage: e.stage,
        error_kind: e.kind,
        error: e.message,
      });
      if (!row) return;
      await recordFailure(m, this.outbox, this.telemetry, base, {
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

/** The failure's events, inside the transaction that marked the run failed. */
export async function recordFailure(
  m: EntityManager,
  outbox: OutboxService,
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

// One platform's tag and push: the credential probe, then attempts with retries on transient faults and one
// credential refresh on an auth failure.
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { platformTagSuffix } from '../config/platforms';
import { CredentialService, emptyOutcome, type CredentialOutcome } from '../credentials/credential.service';
import { readCredentials } from '../credentials/docker-config';
import { ContainerEngine } from '../engine/container-engine';
import { classifyError, errorMessage, isTransient, type PushErrorKind } from '../engine/push-error';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import type { BuildProgressLog } from './build-progress.log';
import { sleep, StageError, type BuildJob, type PlatformResult } from './build-job';

@Injectable()
export class ImagePusher {
  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    private readonly engine: ContainerEngine,
    private readonly credentials: CredentialService,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  async push(
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
}

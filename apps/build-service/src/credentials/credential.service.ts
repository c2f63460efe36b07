// Credential lifecycle around a push: the health probe before each push, proactive rotation when the dockerconfig
// nears its max age, refresh after an auth failure, and the pull-secret patch after either succeeds.
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { errorMessage } from '../engine/push-error';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import { runCredentialCommand } from './credential-command';
import { dockerConfigModifiedAt } from './docker-config';
import { PullSecretPatcher } from './pull-secret.patcher';

export type CredentialHealthStatus = 'healthy' | 'expiring' | 'expired' | 'missing' | 'unconfigured';

export interface CredentialHealth {
  status: CredentialHealthStatus;
  issued_at: string | null;
  expires_at: string | null;
  rotate_at: string | null;
  seconds_until_expiry: number | null;
  rotation_recommended: boolean;
  rotation_configured: boolean;
}

/** What happened to the credentials during one build (or one platform of it); feeds the ledger's columns. */
export interface CredentialOutcome {
  auth_refresh_attempted: boolean;
  auth_refresh_succeeded: boolean;
  auth_rotation_attempted: boolean;
  auth_rotation_succeeded: boolean;
  credential_health_status: string;
}

export function emptyOutcome(): CredentialOutcome {
  return {
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'unconfigured',
  };
}

/** Pure: the probe's verdict for a dockerconfig written at `modifiedAt`, seen at `now`. */
export function assessHealth(
  modifiedAt: Date | undefined,
  now: Date,
  o: { configured: boolean; maxAgeSeconds: number; leadSeconds: number; rotationConfigured: boolean },
): CredentialHealth {
  if (!o.configured || !modifiedAt) {
    return {
      status: o.configured ? 'missing' : 'unconfigured',
      issued_at: null,
      expires_at: null,
      rotate_at: null,
      seconds_until_expiry: null,
      rotation_recommended: o.configured,
      rotation_configured: o.rotationConfigured,
    };
  }
  const expires = modifiedAt.getTime() + o.maxAgeSeconds * 1000;
  const rotateAt = expires - o.leadSeconds * 1000;
  const secondsLeft = Math.floor((expires - now.getTime()) / 1000);
  const status: CredentialHealthStatus =
    secondsLeft <= 0 ? 'expired' : now.getTime() >= rotateAt ? 'expiring' : 'healthy';
  return {
    status,
    issued_at: modifiedAt.toISOString(),
    expires_at: new Date(expires).toISOString(),
    rotate_at: new Date(rotateAt).toISOString(),
    seconds_until_expiry: secondsLeft,
    rotation_recommended: status !== 'healthy',
    rotation_configured: o.rotationConfigured,
  };
}

@Injectable()
export class CredentialService {
  /** One refresh/rotation at a time per process: parallel platform pushes share one credential file. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    private readonly telemetry: RegistryTelemetryService,
    private readonly patcher: PullSecretPatcher,
  ) {}

  private get rotateCommand(): string | undefined {
    return this.config.REGISTRY_AUTH_ROTATE_COMMAND ?? this.config.REGISTRY_AUTH_REFRESH_COMMAND;
  }

  get refreshConfigured(): boolean {
    return Boolean(this.config.REGISTRY_AUTH_REFRESH_COMMAND);
  }

  async health(): Promise<CredentialHealth> {
    const path = this.config.REGISTRY_AUTH_DOCKERCONFIG;
    return assessHealth(path ? await dockerConfigModifiedAt(path) : undefined, new Date(), {
      configured: Boolean(path),
      maxAgeSeconds: this.config.REGISTRY_AUTH_MAX_AGE_SECONDS,
      leadSeconds: this.config.REGISTRY_AUTH_ROTATE_LEAD_SECONDS,
      rotationConfigured: Boolean(this.rotateCommand),
    });
  }

  /** The probe before a push: reports health, then rotates (or says why not) when the probe recommends it. */
  async beforePush(
    base: TelemetryBase,
    platform: string,
    outcome: CredentialOutcome,
  ): Promise<CredentialHealth> {
    return this.serialised(async () => {
      let health = await this.health();
      this.telemetry.queue(base, 'auth_health_reported', {
        platform,
        auth_expired: health.status === 'expired',
        ...health,
      });
      outcome.credential_health_status = health.status;
      if (!health.rotation_recommended || health.status === 'unconfigured') return health;
      const fields = {
        platform,
        status: health.status,
        auth_expired: health.status === 'expired',
        expires_at: health.expires_at,
        rotation_recommended: true,
        rotation_configured: health.rotation_configured,
        seconds_until_expiry: health.seconds_until_expiry,
      };
      const command = this.rotateCommand;
      if (!command) {
        await this.telemetry.emit(base, 'auth_rotation_skipped', {
          ...fields,
          reason: 'no_rotation_command',
        });
        return health;
      }
      outcome.auth_rotation_attempted = true;
      await this.telemetry.emit(base, 'auth_rotation_started', fields);
      const res = await runCredentialCommand(
        command,
        this.commandEnv(base, 'rotate'),
        this.config.REGISTRY_AUTH_COMMAND_TIMEOUT_SECONDS,
      );
      if (!res.ok) {
        await this.telemetry.emit(base, 'auth_rotation_failed', {
          ...fields,
          error_kind: 'rotation_command',
          error: res.error,
        });
        return health;
      }
      health = await this.health();
      outcome.auth_rotation_succeeded = true;
      outcome.credential_health_status = health.status;
      await this.telemetry.emit(base, 'auth_rotation_succeeded', {
        platform,
        status: health.status,
        auth_expired: false,
        expires_at: health.expires_at,
        rotation_recommended: health.rotation_recommended,
        rotation_configured: health.rotation_configured,
        seconds_until_expiry: health.seconds_until_expiry,
        ...(await this.patchPullSecret()),
      });
      return health;
    });
  }

  /**
   * After an auth failure: runs the refresher once. Returns whether fresh credentials are in place.
   * `triggeringError` is the push error that caused it.
   */
  async refresh(
    base: TelemetryBase,
    platform: string,
    attempt: number,
    triggeringError: string,
    outcome: CredentialOutcome,
  ): Promise<boolean> {
    const command = this.config.REGISTRY_AUTH_REFRESH_COMMAND;
    if (!command) return false;
    return this.serialised(async () => {
      outcome.auth_refresh_attempted = true;
      const fields = { platform, attempt, auth_expired: true, error_kind: 'auth', error: triggeringError };
      await this.telemetry.emit(base, 'auth_refresh_started', fields);
      const res = await runCredentialCommand(
        command,
        this.commandEnv(base, 'refresh'),
        this.config.REGISTRY_AUTH_COMMAND_TIMEOUT_SECONDS,
      );
      if (!res.ok) {
        await this.telemetry.emit(base, 'auth_refresh_failed', { ...fields, reason: res.error });
        return false;
      }
      outcome.auth_refresh_succeeded = true;
      const health = await this.health();
      outcome.credential_health_status = health.status;
      await this.telemetry.emit(base, 'auth_refresh_succeeded', {
        ...fields,
        status: health.status,
        expires_at: health.expires_at,
        seconds_until_expiry: health.seconds_until_expiry,
        ...(await this.patchPullSecret()),
      });
      return true;
    });
  }

  /** Patches the pull secret when configured; the outcome goes into the success metric's details. */
  private async patchPullSecret(): Promise<Record<string, unknown>> {
    if (!this.patcher.enabled) return { pull_secret_patched: false };
    try {
      const s = await this.patcher.patch();
      return { pull_secret_patched: true, pull_secret: `${s.namespace}/${s.name}` };
    } catch (err) {
      return { pull_secret_patched: false, pull_secret_error: errorMessage(err) };
    }
  }

  private commandEnv(base: TelemetryBase, mode: 'refresh' | 'rotate'): Record<string, string> {
    return {
      REGISTRY_AUTH_DOCKERCONFIG: this.config.REGISTRY_AUTH_DOCKERCONFIG ?? '',
      REGISTRY_ENDPOINT: base.registry_endpoint,
      REGISTRY_IMAGE: base.image ?? '',
      REGISTRY_AUTH_MODE: mode,
    };
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

// Records one registry usage metric: the usage_metrics row and its `build.telemetry` event in one transaction,
// plus the structured log line with target `registry.push` that log aggregators search.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import {
  REGISTRY_TELEMETRY_TARGET,
  type RegistryTelemetryDetails,
  type RegistryTelemetryEvent,
} from '@mcp-host/contracts';
import { InjectLogger, OutboxService } from '@mcp-host/platform';
import { UsageMetricRepository } from '../metrics/usage-metric.repository';

/** The keys every registry metric carries (the spec's telemetry contract). */
export interface TelemetryBase {
  server_id: string;
  build_id: string | null;
  registry_endpoint: string;
  retry_limit: number;
  image?: string;
  scopes?: string[];
}

export type TelemetryFields = Partial<RegistryTelemetryDetails> & { platform: string };

const MESSAGES: Record<RegistryTelemetryEvent, string> = {
  tag_started: 'registry tag started',
  tag_succeeded: 'registry tag succeeded',
  tag_failed: 'registry tag failed',
  push_started: 'registry push started',
  push_succeeded: 'registry push succeeded',
  push_failed: 'registry push failed',
  push_retry: 'registry push retry',
  auth_health_reported: 'registry auth health reported',
  auth_rotation_started: 'registry auth rotation started',
  auth_rotation_succeeded: 'registry auth rotation succeeded',
  auth_rotation_failed: 'registry auth rotation failed',
  auth_rotation_skipped: 'registry auth rotation skipped',
  auth_refresh_started: 'registry auth refresh started',
  auth_refresh_succeeded: 'registry auth refresh succeeded',
  auth_refresh_failed: 'registry auth refresh failed',
  manifest_published: 'registry manifest published',
  manifest_prune_started: 'registry manifest prune started',
  manifest_prune_succeeded: 'registry manifest prune succeeded',
  manifest_prune_failed: 'registry manifest prune failed',
  build_started: 'registry build started',
  build_succeeded: 'registry build succeeded',
  build_failed: 'registry build failed',
};

const ERROR_EVENTS = new Set<RegistryTelemetryEvent>([
  'tag_failed',
  'push_failed',
  'auth_rotation_failed',
  'auth_refresh_failed',
  'manifest_prune_failed',
  'build_failed',
]);

interface Lane {
  pending: {
    base: TelemetryBase;
    event: RegistryTelemetryEvent;
    fields: TelemetryFields;
    logMessage: string | undefined;
    resolve(d: RegistryTelemetryDetails): void;
    reject(err: unknown): void;
  }[];
  writer: Promise<void> | undefined;
}

@Injectable()
export class RegistryTelemetryService {
  private readonly log: Logger;
  private readonly lanes = new Map<string, Lane>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: UsageMetricRepository,
    private readonly outbox: OutboxService,
    @InjectLogger() logger: Logger,
  ) {
    this.log = logger.child({ target: REGISTRY_TELEMETRY_TARGET });
  }

  /**
   * Stores and publishes one metric; resolves with its details once written. Metrics of one build are written in
   * the order they were emitted: each build has one writer that commits whatever has queued up since its last
   * commit in one transaction, so `queue` and `emit` may be mixed freely and a burst costs one commit.
   */
  emit(
    base: TelemetryBase,
    event: RegistryTelemetryEvent,
    fields: TelemetryFields,
    logMessage?: string,
  ): Promise<RegistryTelemetryDetails> {
    const key = base.build_id ?? base.server_id;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { pending: [], writer: undefined };
      this.lanes.set(key, lane);
    }
    const l = lane;
    const written = new Promise<RegistryTelemetryDetails>((resolve, reject) =>
      l.pending.push({ base, event, fields, logMessage, resolve, reject }),
    );
    l.writer ??= this.writeLane(key, l);
    return written;
  }

  private async writeLane(key: string, lane: Lane): Promise<void> {
    while (lane.pending.length > 0) {
      const batch = lane.pending.splice(0);
      try {
        const written = await this.dataSource.transaction(async (m) => {
          const out: RegistryTelemetryDetails[] = [];
          for (const item of batch) out.push(await this.write(m, item.base, item.event, item.fields));
          return out;
        });
        batch.forEach((item, i) => {
          this.logLine(item.base, item.event, written[i], item.logMessage);
          item.resolve(written[i]);
        });
      } catch (err) {
        for (const item of batch) item.reject(err);
      }
    }
    lane.writer = undefined;
    if (this.lanes.get(key) === lane) this.lanes.delete(key);
  }

  /** Emits without waiting for the write: off the build's critical path; `drain(buildId)` waits for it. */
  queue(
    base: TelemetryBase,
    event: RegistryTelemetryEvent,
    fields: TelemetryFields,
    logMessage?: string,
  ): void {
    this.emit(base, event, fields, logMessage).catch((err: unknown) =>
      this.log.error({ err, event, build_id: base.build_id }, 'could not record a registry metric'),
    );
  }

  /** Resolves once every metric emitted so far for the build is written. */
  async drain(buildId: string): Promise<void> {
    await this.lanes.get(buildId)?.writer;
  }

  /** Stores and publishes one metric inside the caller's transaction (logged at once; the caller commits). */
  async emitIn(
    m: EntityManager,
    base: TelemetryBase,
    event: RegistryTelemetryEvent,
    fields: TelemetryFields,
    logMessage?: string,
  ): Promise<RegistryTelemetryDetails> {
    const details = await this.write(m, base, event, fields);
    this.logLine(base, event, details, logMessage);
    return details;
  }

  private async write(
    m: EntityManager,
    base: TelemetryBase,
    event: RegistryTelemetryEvent,
    fields: TelemetryFields,
  ): Promise<RegistryTelemetryDetails> {
    const details: RegistryTelemetryDetails = {
      attempt: 0,
      error_kind: null,
      auth_expired: false,
      ...fields,
      retry_limit: base.retry_limit,
      registry_endpoint: base.registry_endpoint,
      ...(base.image === undefined ? {} : { image: base.image }),
      ...(base.scopes === undefined ? {} : { scopes: base.scopes }),
      target: REGISTRY_TELEMETRY_TARGET,
    };
    const id = randomUUID();
    const row = await this.metrics.insert(m, {
      id,
      server_id: base.server_id,
      build_id: base.build_id,
      event,
      details,
    });
    await this.outbox.publish(
      m,
      'build.telemetry',
      {
        id,
        server_id: base.server_id,
        build_id: base.build_id,
        event,
        details,
        recorded_at: new Date(row.created_at).toISOString(),
      },
      { id },
    );
    return details;
  }

  private logLine(
    base: TelemetryBase,
    event: RegistryTelemetryEvent,
    details: RegistryTelemetryDetails,
    logMessage: string | undefined,
  ): void {
    const line = { event, server_id: base.server_id, build_id: base.build_id, ...details };
    if (ERROR_EVENTS.has(event)) this.log.warn(line, logMessage ?? MESSAGES[event]);
    else this.log.info(line, logMessage ?? MESSAGES[event]);
  }
}

// Projects the signals capability intelligence scores from: builds (build.succeeded/failed), push retries and
// credential health (build.telemetry), certifications (evaluation.certification.upserted), runtime restarts and
// unhealthy periods (runtime.server.status_changed) and remediation runs (remediation.run.enqueued, finished or past
// their SLA in remediation.run.status_changed). Each event is at most one signal row, keyed by the event id;
// a new adverse signal checks the anomaly rule over the hour up to that signal's latest observation.
import { Injectable } from '@nestjs/common';
import type { EventPayload, IntelligenceSignal } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { IntelligenceRepository } from './intelligence.repository';
import { ADVERSE_SIGNALS, ANOMALY_FACTOR, isAnomaly } from './intelligence.rules';

const CREDENTIAL_FAILURES = new Set(['auth_rotation_failed', 'auth_refresh_failed']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class IntelligenceProjection {
  constructor(private readonly repo: IntelligenceRepository) {}

  @EventHandler('build.succeeded')
  async onBuildSucceeded(p: EventPayload<'build.succeeded'>, ctx: EventContext): Promise<void> {
    await this.record(ctx, p.server_id, 'build_succeeded', p.completed_at);
  }

  @EventHandler('build.failed')
  async onBuildFailed(p: EventPayload<'build.failed'>, ctx: EventContext): Promise<void> {
    await this.record(ctx, p.server_id, 'build_failed', p.completed_at);
  }

  @EventHandler('build.telemetry')
  async onTelemetry(p: EventPayload<'build.telemetry'>, ctx: EventContext): Promise<void> {
    const at = p.recorded_at ?? ctx.attributes.time;
    if (p.event === 'push_retry') return this.record(ctx, p.server_id, 'push_retry', at);
    if (p.event === 'auth_health_reported') {
      const healthy = !p.details.auth_expired && (p.details.status ?? 'healthy') === 'healthy';
      return this.record(ctx, p.server_id, healthy ? 'credential_healthy' : 'credential_unhealthy', at);
    }
    if (CREDENTIAL_FAILURES.has(p.event)) return this.record(ctx, p.server_id, 'credential_unhealthy', at);
  }

  @EventHandler('evaluation.certification.upserted')
  async onCertification(
    p: EventPayload<'evaluation.certification.upserted'>,
    ctx: EventContext,
  ): Promise<void> {
    if (!p.server_id || p.status === 'pending') return;
    await this.record(
      ctx,
      p.server_id,
      p.status === 'pass' ? 'certification_pass' : 'certification_fail',
      p.updated_at,
    );
  }

  @EventHandler('runtime.server.status_changed')
  async onStatus(p: EventPayload<'runtime.server.status_changed'>, ctx: EventContext): Promise<void> {
    if (p.to_status === 'unhealthy') return this.record(ctx, p.server_id, 'runtime_unhealthy', p.changed_at);
    if (p.to_status === 'starting' && (p.from_status === 'running' || p.from_status === 'unhealthy')) {
      return this.record(ctx, p.server_id, 'runtime_restart', p.changed_at);
    }
  }

  @EventHandler('remediation.run.enqueued')
  async onRemediationEnqueued(p: EventPayload<'remediation.run.enqueued'>, ctx: EventContext): Promise<void> {
    const serverId = await this.remediatedServer(ctx, p.instance_id, p.payload, p.metadata);
    if (serverId) await this.record(ctx, serverId, 'remediation_enqueued', p.enqueued_at);
  }

  @EventHandler('remediation.run.status_changed')
  async onRemediationStatus(
    p: EventPayload<'remediation.run.status_changed'>,
    ctx: EventContext,
  ): Promise<void> {
    const serverId = await this.remediatedServer(ctx, p.instance_id, p.payload);
    if (!serverId) return;
    if (p.from_status !== p.to_status && (p.to_status === 'succeeded' || p.to_status === 'failed')) {
      await this.record(ctx, serverId, `remediation_${p.to_status}`, p.changed_at);
    }
    // The SLA sweep (and every later move) repeats the flag: a run counts one breach, keyed by the run.
    if (p.sla_breached) {
      await this.record(
        ctx,
        serverId,
        'remediation_sla_breached',
        p.changed_at,
        `remediation-sla:${p.run_id}`,
      );
    }
  }

  /**
   * The server a remediation run acts on: its payload's or metadata's `server_id` (what `restart-server` and
   * `rotate-registry-credentials` runs carry), else the server of the VM instance it names, else the instance id
   * itself when it is a server of this registry. A run on nothing the policy engine knows is no signal.
   */
  private async remediatedServer(
    ctx: EventContext,
    instanceId: string,
    ...bags: (Record<string, unknown> | undefined)[]
  ): Promise<string | undefined> {
    for (const bag of bags) {
      const id = bag?.server_id;
      if (typeof id === 'string' && UUID.test(id)) return id;
    }
    return this.repo.serverOfInstance(ctx.manager, instanceId);
  }

  private async record(
    ctx: EventContext,
    serverId: string,
    signal: IntelligenceSignal,
    time: string | undefined,
    key: string = ctx.attributes.id,
  ): Promise<void> {
    const at = new Date(time ?? Date.now());
    const m = ctx.manager;
    if (ADVERSE_SIGNALS.includes(signal)) await this.repo.lockSeries(m, serverId, signal);
    const fresh = await this.repo.insertSignal(m, { eventId: key, serverId, signal, at });
    if (!fresh || !ADVERSE_SIGNALS.includes(signal)) return;
    const window = await this.repo.windowCounts(m, serverId, signal);
    const { last_hour, before } = window;
    const baseline = before / 23;
    if (!isAnomaly(last_hour, baseline)) return;
    await this.repo.upsertAnomaly(m, serverId, {
      signal,
      last_hour,
      baseline_per_hour: baseline,
      note: `anomaly:${signal}: ${last_hour} in the last hour against a baseline of ${baseline.toFixed(2)}/h (over ${ANOMALY_FACTOR}x)`,
      detected_at: new Date(window.at),
    });
  }
}

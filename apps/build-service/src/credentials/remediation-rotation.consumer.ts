// The rotate-registry-credentials remediation executor: a run of it moving to `running` has the credential refresher
// run once (REGISTRY_AUTH_REFRESH_COMMAND, serialised with the pushes' own refreshes and rotations, its metrics in
// the usage metrics of the payload's server, the pull secret patched when configured), and answers governance with
// remediation.action.completed: the credential health before and after. The refresher starts only once the request's
// inbox row has committed, so a request is acted on once even when its delivery repeats. A run's re-announcement
// while already running (an SLA mark) is not a request.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import {
  EventHandler,
  InjectConfig,
  InjectLogger,
  OutboxService,
  Transactions,
  type EventContext,
} from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { registryTargetOf } from '../registry/registry-target';
import { CredentialService, emptyOutcome } from './credential.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Logger {
  warn(obj: object, msg: string): void;
}

@Injectable()
export class RemediationRotationConsumer implements OnApplicationShutdown {
  private readonly runs = new Set<string>();
  private readonly acting = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly credentials: CredentialService,
    private readonly outbox: OutboxService,
    private readonly tx: Transactions,
    @InjectConfig() private readonly config: BuildConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.acting]);
  }

  @EventHandler('remediation.run.status_changed')
  async onRunStatus(p: EventPayload<'remediation.run.status_changed'>, ctx: EventContext): Promise<void> {
    if (
      p.executor_type !== 'rotate-registry-credentials' ||
      p.to_status !== 'running' ||
      p.from_status === 'running'
    )
      return;
    if (this.runs.has(p.run_id)) return;
    this.runs.add(p.run_id);
    const work: Promise<void> = this.act(ctx.attributes.id, p)
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err), runId: p.run_id }, 'remediation rotation could not answer'),
      )
      .finally(() => {
        this.runs.delete(p.run_id);
        this.acting.delete(work);
      });
    this.acting.add(work);
  }

  private async act(eventId: string, p: EventPayload<'remediation.run.status_changed'>): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = (await this.tx.read((m) =>
        m.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId]),
      )) as unknown[];
      if (rows.length > 0) break;
      // Never committed: the delivery was rolled back, and its redelivery acts instead.
      if (this.closing || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await this.rotate(p.payload?.server_id, p.run_id);
    await this.tx.run((m) =>
      this.outbox.publish(m, 'remediation.action.completed', {
        run_id: p.run_id,
        executor_type: 'rotate-registry-credentials',
        attempt: p.attempt,
        outcome: result.outcome,
        detail: result.detail.slice(0, 4000),
        evidence: result.evidence,
        actor: 'build-service',
        completed_at: new Date().toISOString(),
      }),
    );
  }

  private async rotate(
    serverId: unknown,
    runId: string,
  ): Promise<{ outcome: 'succeeded' | 'failed'; detail: string; evidence: Record<string, unknown> }> {
    const endpoint = registryTargetOf(this.config.REGISTRY_URL, 'remediation').endpoint;
    if (typeof serverId !== 'string' || !UUID.test(serverId)) {
      return {
        outcome: 'failed',
        detail: 'payload.server_id is not a server id',
        evidence: { server_id: serverId ?? null },
      };
    }
    if (!this.credentials.refreshConfigured) {
      return {
        outcome: 'failed',
        detail: 'REGISTRY_AUTH_REFRESH_COMMAND is not configured; there is no refresher to run',
        evidence: {
          server_id: serverId,
          registry_endpoint: endpoint,
          health: await this.credentials.health(),
        },
      };
    }
    const before = await this.credentials.health();
    const outcome = emptyOutcome();
    const refreshed = await this.credentials.refresh(
      {
        server_id: serverId,
        build_id: null,
        registry_endpoint: endpoint,
        retry_limit: this.config.REGISTRY_PUSH_RETRIES,
      },
      'remediation',
      1,
      `remediation run ${runId}`,
      outcome,
    );
    const after = await this.credentials.health();
    const evidence = {
      server_id: serverId,
      registry_endpoint: endpoint,
      health_before: before,
      health_after: after,
      refresh_attempted: outcome.auth_refresh_attempted,
      refresh_succeeded: outcome.auth_refresh_succeeded,
    };
    return refreshed
      ? {
          outcome: 'succeeded',
          detail: `registry credentials for ${endpoint} refreshed: ${before.status} → ${after.status}`,
          evidence,
        }
      : {
          outcome: 'failed',
          detail: `the credential refresher failed for ${endpoint} (see the auth_refresh_failed metric of server ${serverId})`,
          evidence,
        };
  }
}

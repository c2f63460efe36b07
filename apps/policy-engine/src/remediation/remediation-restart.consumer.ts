// The restart-server remediation executor: a run of it moving to `running` has the server stopped and launched again
// through the runtime (with the request its last launch was made with), waits until the new instance answers MCP or
// the start times out, and answers governance with remediation.action.completed: old and new instance, health.
// The restart starts only once the request's inbox row has committed, so a request is acted on once even when its
// delivery repeats (a redelivery finds the inbox row; a rolled-back one never commits, and its redelivery acts).
// A run's re-announcement while already running (an SLA mark) is not a request.
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EventPayload, StartServerBody } from '@mcp-host/contracts';
import {
  EventHandler,
  InjectLogger,
  OutboxService,
  Transactions,
  type EventContext,
} from '@mcp-host/platform';
import { RuntimeOrchestrator } from '../runtime/runtime-orchestrator';
import { ServerRuntimeService } from '../runtime/server-runtime.service';
import { RemediationRestartRepository } from './remediation-restart.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RestartOutcome {
  outcome: 'succeeded' | 'failed';
  detail: string;
  evidence: Record<string, unknown>;
}

@Injectable()
export class RemediationRestartConsumer implements OnModuleInit, OnApplicationShutdown {
  private runtime!: ServerRuntimeService;
  /** Runs being restarted by this process, and the work in flight that shutdown waits for. */
  private readonly runs = new Set<string>();
  private readonly acting = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly orchestrator: RuntimeOrchestrator,
    private readonly repo: RemediationRestartRepository,
    private readonly outbox: OutboxService,
    private readonly tx: Transactions,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // The runtime feature keeps its start/stop service to itself; the restart uses the same instance, not a copy.
    this.runtime = this.moduleRef.get(ServerRuntimeService, { strict: false });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.acting]);
  }

  @EventHandler('remediation.run.status_changed')
  async onRunStatus(p: EventPayload<'remediation.run.status_changed'>, ctx: EventContext): Promise<void> {
    if (p.executor_type !== 'restart-server' || p.to_status !== 'running' || p.from_status === 'running')
      return;
    if (this.runs.has(p.run_id)) return;
    this.runs.add(p.run_id);
    const work: Promise<void> = this.act(ctx.attributes.id, p)
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err), runId: p.run_id }, 'remediation restart could not answer'),
      )
      .finally(() => {
        this.runs.delete(p.run_id);
        this.acting.delete(work);
      });
    this.acting.add(work);
  }

  /** Waits for the request's inbox row to commit, restarts, and publishes the answer. */
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
    const serverId = p.payload?.server_id;
    const result = await this.restart(typeof serverId === 'string' ? serverId : '', p.run_id);
    this.logger.info({ runId: p.run_id, serverId, outcome: result.outcome }, 'remediation restart done');
    await this.tx.run((m) =>
      this.outbox.publish(m, 'remediation.action.completed', {
        run_id: p.run_id,
        executor_type: 'restart-server',
        attempt: p.attempt,
        outcome: result.outcome,
        detail: result.detail.slice(0, 4000),
        evidence: result.evidence,
        actor: 'policy-engine',
        completed_at: new Date().toISOString(),
      }),
    );
  }

  /** Stops and relaunches the server; never throws: a failure is the outcome. */
  async restart(serverId: string, runId: string): Promise<RestartOutcome> {
    const failed = (detail: string, evidence: Record<string, unknown> = {}): RestartOutcome => ({
      outcome: 'failed',
      detail,
      evidence: { server_id: serverId || null, ...evidence },
    });
    if (!UUID.test(serverId)) return failed('payload.server_id is not a server id');
    try {
      const before = await this.tx.read((m) => this.repo.find(m, serverId));
      if (!before) return failed(`no server ${serverId}`);
      const oldRef = before.instance_ref;
      const caller = `remediation:${runId}`;
      const request: StartServerBody = {
        ...(before.requested_tier ? { tier: before.requested_tier } : {}),
        ...(before.requested_backend ? { backend: before.requested_backend } : {}),
        capabilities: before.capability_requirements ?? [],
      };
      await this.runtime.stop(serverId, `restarted by remediation run ${runId}`, caller);
      const started = await this.runtime.start(serverId, request, caller);
      const base = {
        server_id: serverId,
        server_name: before.name,
        old_container_id: oldRef,
        status_before: before.status,
        launch_id: started.launch_id,
        decision_id: started.decision.id,
      };
      if (started.status !== 'starting') {
        const held = await this.tx.read((m) => this.repo.find(m, serverId));
        return failed(
          `server ${before.name} was stopped but its launch was not placed: ${started.status}${held?.status_reason ? ` (${held.status_reason})` : ''}`,
          { ...base, new_container_id: null, health: started.status },
        );
      }
      // Queued behind the launch start() dispatched, so it resolves once that launch is healthy or timed out.
      await this.orchestrator.launch(serverId);
      const after = await this.tx.read((m) => this.repo.find(m, serverId));
      const evidence = {
        ...base,
        new_container_id: after?.instance_ref ?? null,
        health: after?.status ?? 'unknown',
      };
      if (after?.status === 'running' && after.instance_ref && after.instance_ref !== oldRef) {
        return {
          outcome: 'succeeded',
          detail: `server ${before.name} restarted: instance ${short(oldRef)} replaced by ${short(after.instance_ref)}, answering MCP`,
          evidence,
        };
      }
      return failed(
        `server ${before.name} did not come back healthy: ${after?.status ?? 'gone'}${after?.status_reason ? ` (${after.status_reason})` : ''}`,
        evidence,
      );
    } catch (err) {
      this.logger.warn({ err: String(err), serverId, runId }, 'remediation restart failed');
      return failed(`restart failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function short(ref: string | null): string {
  return ref ? ref.slice(0, 12) : 'none';
}

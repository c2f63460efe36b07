// The rerun-evaluation remediation executor: a run of it moving to `running` puts its certification back to pending
// and requests the evaluation again (the same retry an operator makes: evaluation.certification.retried and
// evaluation.requested with reason `retry`), then answers governance with remediation.action.completed in the
// event's own transaction. A run's re-announcement while already running (an SLA mark) is not a request.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { ApiException, EventHandler, OutboxService, type EventContext } from '@mcp-host/platform';
import { EvaluationService } from './evaluation.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class RemediationEvaluationConsumer {
  constructor(
    private readonly evaluations: EvaluationService,
    private readonly outbox: OutboxService,
  ) {}

  @EventHandler('remediation.run.status_changed')
  async onRunStatus(p: EventPayload<'remediation.run.status_changed'>, ctx: EventContext): Promise<void> {
    if (p.executor_type !== 'rerun-evaluation' || p.to_status !== 'running' || p.from_status === 'running')
      return;
    const id = p.payload?.certification_id;
    let outcome: 'succeeded' | 'failed';
    let detail: string;
    let evidence: Record<string, unknown>;
    if (typeof id !== 'string' || !UUID.test(id)) {
      outcome = 'failed';
      detail = 'payload.certification_id is not a certification id';
      evidence = { certification_id: id ?? null };
    } else {
      try {
        const cert = await this.evaluations.retry(id);
        outcome = 'succeeded';
        detail = `certification ${cert.id} (${cert.tier}/${cert.policy_requirement}) is pending again and its evaluation was requested`;
        evidence = {
          certification_id: cert.id,
          artifact_run_id: cert.artifact_run_id,
          server_id: cert.server_id,
          tier: cert.tier,
          policy_requirement: cert.policy_requirement,
          status: cert.status,
          version: cert.version,
        };
      } catch (err) {
        if (!(err instanceof ApiException)) throw err;
        outcome = 'failed';
        detail = `evaluation rerun refused: ${err.message}`;
        evidence = { certification_id: id, error: { code: err.code, message: err.message } };
      }
    }
    await this.outbox.publish(ctx.manager, 'remediation.action.completed', {
      run_id: p.run_id,
      executor_type: 'rerun-evaluation',
      attempt: p.attempt,
      outcome,
      detail: detail.slice(0, 4000),
      evidence,
      actor: 'marketplace',
      completed_at: new Date().toISOString(),
    });
  }
}

// Queues every requested `mcp-conformance` evaluation once per certification version, in the consumer's transaction;
// the evaluator takes it from the queue (other requirements belong to other evaluators).
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CONFORMANCE_REQUIREMENT, type EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { ConformanceEvaluator } from './conformance-evaluator.service';
import { ConformanceRunRepository } from './conformance-run.repository';

@Injectable()
export class ConformanceProjection {
  constructor(
    private readonly runs: ConformanceRunRepository,
    private readonly evaluator: ConformanceEvaluator,
  ) {}

  @EventHandler('evaluation.requested')
  async onRequested(p: EventPayload<'evaluation.requested'>, ctx: EventContext): Promise<void> {
    if (p.policy_requirement !== CONFORMANCE_REQUIREMENT) return;
    if (await this.runs.enqueue(ctx.manager, randomUUID(), p)) {
      // The row commits with the consumer's transaction; the poll picks it up if this wake comes too early.
      setTimeout(() => this.evaluator.wake(), 100).unref();
    }
  }
}

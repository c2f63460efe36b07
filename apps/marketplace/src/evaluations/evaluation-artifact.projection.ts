// A newly recorded artifact run for a tier with requirements gets a pending certification and an evaluation request
// per requirement, in the consumer's transaction.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { EvaluationService } from './evaluation.service';

@Injectable()
export class EvaluationArtifactProjection {
  constructor(private readonly evaluations: EvaluationService) {}

  @EventHandler('artifact.recorded')
  async onRecorded(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.evaluations.requestForNewRun(ctx.manager, p);
  }
}

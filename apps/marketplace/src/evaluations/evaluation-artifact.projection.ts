// A newly recorded artifact run for a tier with requirements gets a pending certification and an evaluation request
// per requirement, in the consumer's transaction; so does a server's newest run when its target tier becomes known
// or changes (the run may be recorded before its server is projected: the topics are consumed independently).
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

  @EventHandler('server.registered')
  async onServerRegistered(p: EventPayload<'server.registered'>, ctx: EventContext): Promise<void> {
    await this.evaluations.requestForServer(ctx.manager, p);
  }

  @EventHandler('server.updated')
  async onServerUpdated(p: EventPayload<'server.updated'>, ctx: EventContext): Promise<void> {
    await this.evaluations.requestForServer(ctx.manager, p);
  }
}

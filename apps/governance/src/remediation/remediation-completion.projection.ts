// Finishes remediation runs from the acting services' answers (restart, evaluation rerun, credential rotation).
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { RemediationService } from './remediation.service';

@Injectable()
export class RemediationCompletionProjection {
  constructor(private readonly remediation: RemediationService) {}

  @EventHandler('remediation.action.completed')
  async onCompleted(p: EventPayload<'remediation.action.completed'>, ctx: EventContext): Promise<void> {
    await this.remediation.complete(ctx.manager, p);
  }
}

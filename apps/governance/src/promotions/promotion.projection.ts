// Governance also projects its own run events: the run's transaction has normally applied them to the promotion
// already (RunFollower), so these find the outcome recorded and change nothing; a replay after a restore re-applies it.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { PromotionService } from './promotion.service';

@Injectable()
export class PromotionRunProjection {
  constructor(private readonly promotions: PromotionService) {}

  @EventHandler('governance.run.transitioned')
  async onTransitioned(p: EventPayload<'governance.run.transitioned'>, ctx: EventContext): Promise<void> {
    await this.promotions.onRunTransitioned(ctx.manager, p);
  }

  @EventHandler('governance.run.completed')
  async onCompleted(p: EventPayload<'governance.run.completed'>, ctx: EventContext): Promise<void> {
    await this.promotions.onRunCompleted(ctx.manager, p);
  }
}

// Follows the policy engine's VM events into the trust registry.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { TrustService } from './trust.service';

@Injectable()
export class TrustProjection {
  constructor(private readonly trust: TrustService) {}

  @EventHandler('vm.instance.event_recorded')
  async onVmEvent(p: EventPayload<'vm.instance.event_recorded'>, ctx: EventContext): Promise<void> {
    await this.trust.applyVmEvent(ctx.manager, p);
  }
}

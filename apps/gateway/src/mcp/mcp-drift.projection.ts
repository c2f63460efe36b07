// Projects server.tools.drifted / server.tools.drift_cleared into mcp_tool_drift and drops this replica's compiled
// decision for the server, so the drifted tools are refused (rule `drift:<tool>`) and hidden from tools/list by the
// same decision function as the grants. Another replica applies the change within the policy cache's age.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { McpDriftRepository } from './mcp-drift.repository';
import { McpPolicyService } from './mcp-policy.service';

@Injectable()
export class McpDriftProjection {
  constructor(
    private readonly drift: McpDriftRepository,
    private readonly policy: McpPolicyService,
  ) {}

  @EventHandler('server.tools.drifted')
  async onDrifted(p: EventPayload<'server.tools.drifted'>, ctx: EventContext): Promise<void> {
    await this.drift.drifted(ctx.manager, p);
    this.policy.invalidate(p.server_id);
  }

  @EventHandler('server.tools.drift_cleared')
  async onCleared(p: EventPayload<'server.tools.drift_cleared'>, ctx: EventContext): Promise<void> {
    await this.drift.cleared(ctx.manager, p.server_id, p.cleared_at);
    this.policy.invalidate(p.server_id);
  }
}

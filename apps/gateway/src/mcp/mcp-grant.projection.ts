// Projects grant.created / grant.deleted into mcp_grants and drops this replica's compiled decision for the server.
// A redelivered creation changes nothing (ON CONFLICT DO NOTHING); a deletion removes the row whenever it arrives.
// A disabled grant is not applied: grant.disabled removes its row and grant.enabled puts it back (one grant's events
// share its server's partition, so they arrive in order).
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { McpGrantRepository } from './mcp-endpoint.repository';
import { McpPolicyService } from './mcp-policy.service';

@Injectable()
export class McpGrantProjection {
  constructor(
    private readonly grants: McpGrantRepository,
    private readonly policy: McpPolicyService,
  ) {}

  @EventHandler('grant.created')
  async onCreated(p: EventPayload<'grant.created'>, ctx: EventContext): Promise<void> {
    await this.grants.insert(ctx.manager, p);
    this.policy.invalidate(p.server_id);
  }

  @EventHandler('grant.enabled')
  async onEnabled(p: EventPayload<'grant.enabled'>, ctx: EventContext): Promise<void> {
    await this.grants.insert(ctx.manager, p);
    this.policy.invalidate(p.server_id);
  }

  @EventHandler('grant.disabled')
  async onDisabled(p: EventPayload<'grant.disabled'>, ctx: EventContext): Promise<void> {
    await this.grants.delete(ctx.manager, p.id);
    this.policy.invalidate(p.server_id);
  }

  @EventHandler('grant.deleted')
  async onDeleted(p: EventPayload<'grant.deleted'>, ctx: EventContext): Promise<void> {
    await this.grants.delete(ctx.manager, p.id);
    this.policy.invalidate(p.server_id);
  }
}

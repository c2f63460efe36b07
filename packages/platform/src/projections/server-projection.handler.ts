// Feeds the server projection from the policy engine's server events, inside the consumer's inbox transaction.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '../events/event-handler.decorator';
import { ServerProjectionRepository } from './server-projection.repository';

@Injectable()
export class ServerProjection {
  constructor(private readonly repo: ServerProjectionRepository) {}

  @EventHandler('server.registered')
  async onRegistered(payload: EventPayload<'server.registered'>, ctx: EventContext): Promise<void> {
    await this.repo.upsertIfNewer(ctx.manager, payload);
  }

  @EventHandler('server.updated')
  async onUpdated(payload: EventPayload<'server.updated'>, ctx: EventContext): Promise<void> {
    await this.repo.upsertIfNewer(ctx.manager, payload);
  }

  @EventHandler('server.deleted')
  async onDeleted(payload: EventPayload<'server.deleted'>, ctx: EventContext): Promise<void> {
    await this.repo.tombstone(ctx.manager, payload);
  }
}

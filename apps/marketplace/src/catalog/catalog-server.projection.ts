// Keeps catalog entries in step with the server projection: a server's name, type and target tier are copied onto
// its entries (and re-grade them), a server without runs is listed once, a deleted server leaves the list.
// The kit's own handler writes the `servers` row; applying the same version-guarded write here first makes the
// outcome independent of which handler runs first (the second write is a no-op).
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, ServerProjectionRepository, type EventContext } from '@mcp-host/platform';
import { CatalogHealth } from './catalog-health.service';

@Injectable()
export class CatalogServerProjection {
  constructor(
    private readonly servers: ServerProjectionRepository,
    private readonly health: CatalogHealth,
  ) {}

  @EventHandler('server.registered')
  async onRegistered(p: EventPayload<'server.registered'>, ctx: EventContext): Promise<void> {
    await this.servers.upsertIfNewer(ctx.manager, p);
    await this.health.refreshServers(ctx.manager, [p.id]);
  }

  @EventHandler('server.updated')
  async onUpdated(p: EventPayload<'server.updated'>, ctx: EventContext): Promise<void> {
    await this.servers.upsertIfNewer(ctx.manager, p);
    await this.health.refreshServers(ctx.manager, [p.id]);
  }

  @EventHandler('server.deleted')
  async onDeleted(p: EventPayload<'server.deleted'>, ctx: EventContext): Promise<void> {
    await this.servers.tombstone(ctx.manager, p);
    await this.health.refreshServers(ctx.manager, [p.id]);
  }
}

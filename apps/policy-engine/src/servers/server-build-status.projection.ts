// Follows the build-service's runs: a server is `building`, then `built` or `error` (with the reason), and every
// change is republished as server.updated in the same transaction as the inbox row.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, OutboxService, type EventContext } from '@mcp-host/platform';
import { ServerRepository } from './server.repository';
import { toServer } from './server.service';

@Injectable()
export class ServerBuildStatusProjection {
  constructor(
    private readonly repo: ServerRepository,
    private readonly outbox: OutboxService,
  ) {}

  @EventHandler('build.started')
  async onStarted(p: EventPayload<'build.started'>, ctx: EventContext): Promise<void> {
    await this.apply(ctx, p.server_id, p.build_id, 'building', null);
  }

  @EventHandler('build.succeeded')
  async onSucceeded(p: EventPayload<'build.succeeded'>, ctx: EventContext): Promise<void> {
    await this.apply(ctx, p.server_id, p.build_id, 'built', null);
  }

  @EventHandler('build.failed')
  async onFailed(p: EventPayload<'build.failed'>, ctx: EventContext): Promise<void> {
    await this.apply(ctx, p.server_id, p.build_id, 'error', `${p.stage}: ${p.message}`);
  }

  private async apply(
    ctx: EventContext,
    serverId: string,
    buildId: string,
    status: string,
    reason: string | null,
  ) {
    const row = await this.repo.setBuildStatus(ctx.manager, serverId, buildId, status, reason);
    // A build of a server deleted meanwhile changes nothing.
    if (row) await this.outbox.publish(ctx.manager, 'server.updated', toServer(row));
  }
}

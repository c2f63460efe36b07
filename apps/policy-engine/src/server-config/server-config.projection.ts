// Learns the tools a server exposes from the gateway's audit of MCP tool calls: a call the server answered
// (`forwarded` with a 2xx status) names a tool it has.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { ServerConfigRepository } from './server-config.repository';

@Injectable()
export class ServerToolsProjection {
  constructor(private readonly repo: ServerConfigRepository) {}

  @EventHandler('mcp.tool.called')
  async onToolCalled(p: EventPayload<'mcp.tool.called'>, ctx: EventContext): Promise<void> {
    if (p.result !== 'forwarded' || p.upstream_status === null || p.upstream_status >= 300) return;
    await this.repo.seeTool(ctx.manager, p.server_id, p.tool, p.called_at);
  }

  @EventHandler('server.deleted')
  async onServerDeleted(p: EventPayload<'server.deleted'>, ctx: EventContext): Promise<void> {
    await this.repo.forgetServer(ctx.manager, p.id);
  }
}

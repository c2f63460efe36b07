// Projects the runtime's status events into mcp_endpoints: a server is reachable through /mcp/:server while its last
// status is `running` and the event named its endpoint. Redelivered or older events change nothing (version guard).
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { McpEndpointReader } from './mcp-endpoint.reader';
import { McpEndpointRepository } from './mcp-endpoint.repository';

@Injectable()
export class McpEndpointProjection {
  constructor(
    private readonly endpoints: McpEndpointRepository,
    private readonly reader: McpEndpointReader,
  ) {}

  @EventHandler('runtime.server.status_changed')
  async onStatusChanged(p: EventPayload<'runtime.server.status_changed'>, ctx: EventContext): Promise<void> {
    await this.endpoints.upsertIfNewer(ctx.manager, {
      server_id: p.server_id,
      status: p.to_status,
      endpoint: p.to_status === 'running' ? (p.endpoint ?? null) : null,
      version: p.version,
      changed_at: p.changed_at,
    });
    this.reader.forgetEndpoint(p.server_id);
  }

  @EventHandler('runtime.server.stopped')
  async onStopped(p: EventPayload<'runtime.server.stopped'>, ctx: EventContext): Promise<void> {
    await this.endpoints.markStopped(ctx.manager, p.server_id);
    this.reader.forgetEndpoint(p.server_id);
  }
}

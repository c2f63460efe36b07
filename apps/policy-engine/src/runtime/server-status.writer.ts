// The one writer of a server's runtime status: the row, `server.updated` and `runtime.server.status_changed` commit
// together, and a move to the status the server already has publishes nothing.
import { Injectable } from '@nestjs/common';
import type { Server } from '@mcp-host/contracts';
import { OutboxService, type Manager } from '@mcp-host/platform';
import { ServerRepository } from '../servers/server.repository';
import { toServer } from '../servers/server.service';
import { RuntimeAssignmentRepository } from './runtime-assignment.repository';

@Injectable()
export class ServerStatusWriter {
  constructor(
    private readonly servers: ServerRepository,
    private readonly assignments: RuntimeAssignmentRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Sets the status inside the caller's transaction; returns the server, or undefined when it is gone. */
  async set(m: Manager, serverId: string, to: string, reason: string | null): Promise<Server | undefined> {
    const current = await this.servers.lockById(m, serverId);
    if (!current) return undefined;
    if (current.status === to && current.status_reason === reason) return toServer(current);
    const row = await this.servers.setRuntimeStatus(m, serverId, to, reason);
    if (!row) return undefined;
    const server = toServer(row);
    // A running server's MCP endpoint travels with its status, so the gateway's /mcp/:server door can reach it.
    const endpoint = to === 'running' ? ((await this.assignments.find(m, serverId))?.endpoint ?? null) : null;
    await this.outbox.publish(m, 'server.updated', server);
    await this.outbox.publish(m, 'runtime.server.status_changed', {
      server_id: serverId,
      from_status: current.status,
      to_status: to,
      reason,
      version: row.version,
      changed_at: server.updated_at,
      endpoint,
    });
    return server;
  }
}

// Reads a server's discovered tool manifest and its drift against the certified one, as GET /api/servers/:id/tools.
import { Injectable } from '@nestjs/common';
import type { ServerToolsResponse } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { ToolManifestRepository, type ServerManifestRow } from './tool-manifest.repository';
import { ToolsErrorCode, ToolsException } from './tools.exception';

export function toServerTools(r: ServerManifestRow): ServerToolsResponse {
  const blocked = new Set(r.blocked_tools);
  return {
    server_id: r.server_id,
    artifact_run_id: r.artifact_run_id,
    endpoint: r.endpoint,
    digest: r.digest,
    tools: r.tools.map((t) => ({ ...t, blocked: blocked.has(t.name) })),
    certified_digest: r.certified_digest,
    drifted: r.drifted,
    changed: r.changed,
    discovered_at: new Date(r.discovered_at).toISOString(),
    refreshed_at: new Date(r.refreshed_at).toISOString(),
  };
}

@Injectable()
export class ToolsService {
  constructor(
    private readonly repo: ToolManifestRepository,
    private readonly tx: Transactions,
  ) {}

  async get(serverId: string): Promise<ServerToolsResponse> {
    const row = await this.tx.read((m) => this.repo.find(m, serverId));
    if (!row) {
      throw new ToolsException(
        ToolsErrorCode.NOT_DISCOVERED,
        `No tools discovered for server ${serverId}: it is unknown or has not been running yet.`,
      );
    }
    return toServerTools(row);
  }
}

// The /mcp door's reads of mcp_endpoints and mcp_sessions, held for MAX_AGE_MS per replica (a call used to cost a
// database round trip for these two rows alone). The endpoint projection and the door's own session writes drop
// entries at once on this replica; another replica's changes show within MAX_AGE_MS, as grants and agent sessions do.
import { Injectable } from '@nestjs/common';
import { Transactions } from '@mcp-host/platform';
import { McpEndpointRepository, type McpEndpointRow, type McpSessionRow } from './mcp-endpoint.repository';
import { ShortLivedCache } from './short-lived-cache';

const MAX_AGE_MS = 1_000;

@Injectable()
export class McpEndpointReader {
  private readonly endpoints = new ShortLivedCache<McpEndpointRow | undefined>(MAX_AGE_MS);
  private readonly sessions = new ShortLivedCache<McpSessionRow | undefined>(MAX_AGE_MS);

  constructor(
    private readonly tx: Transactions,
    private readonly repo: McpEndpointRepository,
  ) {}

  endpoint(serverId: string): Promise<McpEndpointRow | undefined> {
    return this.endpoints.get(serverId, () => this.tx.read((m) => this.repo.find(m, serverId)));
  }

  session(serverId: string, sessionId: string): Promise<McpSessionRow | undefined> {
    return this.sessions.get(`${serverId}\n${sessionId}`, () =>
      this.tx.read((m) => this.repo.findSession(m, serverId, sessionId)),
    );
  }

  forgetEndpoint(serverId: string): void {
    this.endpoints.invalidate(serverId);
  }

  forgetSession(serverId: string, sessionId: string): void {
    this.sessions.invalidate(`${serverId}\n${sessionId}`);
  }
}

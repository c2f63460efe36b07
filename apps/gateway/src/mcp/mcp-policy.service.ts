// Holds each server's compiled grants (with the tools its drift blocks). The projections drop a server's entry when its
// grants or drift change on this replica; an entry older than MAX_AGE_MS is compiled again, so a change projected
// by another replica applies within it.
import { Injectable } from '@nestjs/common';
import { Transactions } from '@mcp-host/platform';
import { CompiledGrants } from './grant-decision';
import { McpDriftRepository } from './mcp-drift.repository';
import { McpGrantRepository } from './mcp-endpoint.repository';
import { ShortLivedCache } from './short-lived-cache';

const MAX_AGE_MS = 1_000;

@Injectable()
export class McpPolicyService {
  private readonly compiled = new ShortLivedCache<CompiledGrants>(MAX_AGE_MS);

  constructor(
    private readonly tx: Transactions,
    private readonly grants: McpGrantRepository,
    private readonly drift: McpDriftRepository,
  ) {}

  forServer(serverId: string): Promise<CompiledGrants> {
    return this.compiled.get(serverId, () =>
      this.tx
        .read(async (m) => ({
          rows: await this.grants.forServer(m, serverId),
          blocked: await this.drift.blockedTools(m, serverId),
        }))
        .then(({ rows, blocked }) => new CompiledGrants(rows, blocked)),
    );
  }

  invalidate(serverId: string): void {
    this.compiled.invalidate(serverId);
  }
}

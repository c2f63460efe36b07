// Reads of the runtime_policy_decisions audit log: one decision, a server's decisions, and the filtered list.
import { Injectable } from '@nestjs/common';
import type { DecisionListQuery, PolicyDecision } from '@mcp-host/contracts';
import { Transactions, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import { ServerRepository } from '../servers/server.repository';
import { PolicyErrorCode, PolicyException } from './policy-decision.exception';
import { PolicyDecisionRepository, type DecisionRow } from './policy-decision.repository';

export function toDecision(r: DecisionRow): PolicyDecision {
  return {
    id: r.id,
    server_id: r.server_id,
    backend: r.backend,
    candidate_backend: r.candidate_backend,
    image: r.image,
    requires_build: r.requires_build,
    capability_requirements: r.capability_requirements,
    capabilities_satisfied: r.capabilities_satisfied,
    executor_name: r.executor_name,
    manifest_digest: r.manifest_digest,
    artifact_run_id: r.artifact_run_id,
    tier: r.tier,
    policy_notes: r.policy_notes,
    evaluation_required: r.evaluation_required,
    governance_required: r.governance_required,
    key_posture: r.key_posture as PolicyDecision['key_posture'],
    governance_run_id: r.governance_run_id,
    launch_id: r.launch_id,
    decided_at: new Date(r.decided_at).toISOString(),
  };
}

function decodeCursor(cursor: string): { key: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new PolicyException(PolicyErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  return { key: c.key, id: c.id };
}

@Injectable()
export class PolicyDecisionService {
  constructor(
    private readonly repo: PolicyDecisionRepository,
    private readonly servers: ServerRepository,
    private readonly tx: Transactions,
  ) {}

  async get(id: string): Promise<PolicyDecision> {
    const row = await this.tx.read((m) => this.repo.findById(m, id));
    if (!row)
      throw new PolicyException(PolicyErrorCode.DECISION_NOT_FOUND, `No policy decision with id ${id}.`);
    return toDecision(row);
  }

  async listForServer(
    serverId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: PolicyDecision[]; next_cursor: string | null }> {
    const server = await this.tx.read((m) => this.servers.findById(m, serverId));
    if (!server)
      throw new PolicyException(PolicyErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    return this.list({ limit: q.limit, cursor: q.cursor, server_id: serverId });
  }

  async list(q: DecisionListQuery): Promise<{ items: PolicyDecision[]; next_cursor: string | null }> {
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        serverId: q.server_id,
        tier: q.tier,
        backend: q.backend,
        gated: q.gated === undefined ? undefined : q.gated === 'true',
      }),
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toDecision),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }
}

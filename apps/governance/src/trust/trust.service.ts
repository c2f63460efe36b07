// The trust registry: the latest snapshot per VM instance, projected from the policy engine's VM events and moved
// by operators, both through one guard (trust-state-machine) and the row's version; each move is kept in the history
// and published as `trust.registry.transitioned` in the same transaction.
import { Injectable } from '@nestjs/common';
import type { EventPayload, TrustRegistryQuery, TrustTransitionBody } from '@mcp-host/contracts';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  InjectConfig,
  OutboxService,
  Transactions,
  type Manager,
} from '@mcp-host/platform';
import type { TrustConfig } from './trust.config';
import { TrustErrorCode, TrustException } from './trust.exception';
import { TrustRepository, type TrustHistoryRow, type TrustRow } from './trust.repository';
import { allowedTransition } from './trust-state-machine';

/** The actor named on moves that come from the VM executor's own events. */
export const EXECUTOR_ACTOR = 'vm-executor';

@Injectable()
export class TrustService {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly repo: TrustRepository,
    @InjectConfig() private readonly config: TrustConfig,
  ) {}

  private get staleAfter(): number {
    return this.config.TRUST_STALE_AFTER_SECONDS;
  }

  async list(q: TrustRegistryQuery) {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c) throw new TrustException(TrustErrorCode.INVALID_CURSOR, 'cursor is not one this API returned');
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        staleAfterSeconds: this.staleAfter,
        limit: q.limit + 1,
        after,
        serverId: q.server_id,
        lifecycle: q.lifecycle,
        status: q.status,
        stale: q.stale,
      }),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(view),
      next_cursor:
        rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.vm_instance_id) : null,
    };
  }

  async get(id: string) {
    const row = await this.tx.read((m) => this.repo.find(m, id, this.staleAfter));
    if (!row)
      throw new TrustException(TrustErrorCode.NOT_FOUND, `no trust registry entry for VM instance ${id}`);
    return view(row);
  }

  async history(id: string, limit: number) {
    return this.tx.read(async (m) => {
      const row = await this.repo.find(m, id, this.staleAfter);
      if (!row)
        throw new TrustException(TrustErrorCode.NOT_FOUND, `no trust registry entry for VM instance ${id}`);
      const items = await this.repo.history(m, id, limit);
      return { vm_instance_id: id, items: items.map(historyView) };
    });
  }

  /** An operator's (or a remediation's) guarded move. */
  async transition(id: string, body: TrustTransitionBody, actor: string | null) {
    return this.tx.run((m) => this.transitionIn(m, id, body, actor));
  }

  /** The same move inside a caller's transaction. */
  async transitionIn(m: Manager, id: string, body: TrustTransitionBody, actor: string | null) {
    const current = await this.repo.find(m, id, this.staleAfter, true);
    if (!current)
      throw new TrustException(TrustErrorCode.NOT_FOUND, `no trust registry entry for VM instance ${id}`);
    if (body.expected_version !== undefined && body.expected_version !== current.version) {
      throw new TrustException(
        TrustErrorCode.VERSION_CONFLICT,
        `VM instance ${id} is at version ${current.version}, not ${body.expected_version}`,
        { current_version: current.version },
      );
    }
    if (!allowedTransition(current.lifecycle_state, body.status, body.lifecycle_state)) {
      throw new TrustException(
        TrustErrorCode.INVALID_TRANSITION,
        `VM instance ${id} cannot move from ${current.status}/${current.lifecycle_state} to ${body.status}/${body.lifecycle_state}`,
        { from: { status: current.status, lifecycle_state: current.lifecycle_state } },
      );
    }
    const moved = await this.repo.updateIfVersion(m, id, current.version, {
      status: body.status,
      lifecycle_state: body.lifecycle_state,
      remediation_state: body.remediation_state,
      provenance: body.provenance,
    });
    if (!moved) {
      throw new TrustException(TrustErrorCode.VERSION_CONFLICT, `VM instance ${id} changed meanwhile`, {
        current_version: null,
      });
    }
    await this.recorded(
      m,
      current,
      moved.version,
      body.status,
      body.lifecycle_state,
      actor,
      body.reason ?? null,
    );
    const after = await this.repo.find(m, id, this.staleAfter);
    return view(after!);
  }

  /** Applies one VM event from the policy engine; a redelivered, older or unguarded one changes nothing. */
  async applyVmEvent(m: Manager, p: EventPayload<'vm.instance.event_recorded'>): Promise<void> {
    if (!p.lifecycle || p.version === undefined) return;
    const occurred = new Date(p.occurred_at);
    const current = await this.repo.find(m, p.vm_instance_id, this.staleAfter, true);
    if (!current) {
      if (!allowedTransition(null, p.attestation_status, p.lifecycle)) return;
      const inserted = await this.repo.insert(m, {
        vm_instance_id: p.vm_instance_id,
        server_id: p.server_id,
        status: p.attestation_status,
        lifecycle_state: p.lifecycle,
        source_version: p.version,
        last_evidence_at: occurred,
      });
      if (!inserted) return;
      await this.publish(m, {
        id: p.vm_instance_id,
        serverId: p.server_id,
        version: inserted.version,
        status: p.attestation_status,
        lifecycle: p.lifecycle,
        previous: null,
        actor: EXECUTOR_ACTOR,
        reason: p.event_type,
        remediation: null,
        provenance: null,
      });
      return;
    }
    if (p.version <= current.source_version) return;
    if (!allowedTransition(current.lifecycle_state, p.attestation_status, p.lifecycle)) return;
    const moved = await this.repo.updateIfVersion(m, p.vm_instance_id, current.version, {
      status: p.attestation_status,
      lifecycle_state: p.lifecycle,
      source_version: p.version,
      last_evidence_at: occurred,
    });
    if (!moved) return;
    await this.recorded(
      m,
      current,
      moved.version,
      p.attestation_status,
      p.lifecycle,
      EXECUTOR_ACTOR,
      p.event_type,
    );
  }

  private async recorded(
    m: Manager,
    before: TrustRow,
    version: number,
    status: string,
    lifecycle: string,
    actor: string | null,
    reason: string | null,
  ): Promise<void> {
    const after = await this.repo.find(m, before.vm_instance_id, this.staleAfter);
    await this.publish(m, {
      id: before.vm_instance_id,
      serverId: before.server_id,
      version,
      status,
      lifecycle,
      previous: { status: before.status, lifecycle: before.lifecycle_state },
      actor,
      reason,
      remediation: after?.remediation_state ?? null,
      provenance: after?.provenance ?? null,
    });
  }

  private async publish(
    m: Manager,
    e: {
      id: string;
      serverId: string;
      version: number;
      status: string;
      lifecycle: string;
      previous: { status: string; lifecycle: string } | null;
      actor: string | null;
      reason: string | null;
      remediation: string | null;
      provenance: Record<string, unknown> | null;
    },
  ): Promise<void> {
    const h = await this.repo.insertHistory(m, e.id, {
      version: e.version,
      status: e.status,
      lifecycle_state: e.lifecycle,
      previous_status: e.previous?.status ?? null,
      previous_lifecycle_state: e.previous?.lifecycle ?? null,
      actor: e.actor,
      reason: e.reason,
    });
    await this.outbox.publish(m, 'trust.registry.transitioned', {
      vm_instance_id: e.id,
      server_id: e.serverId,
      status: e.status,
      lifecycle_state: e.lifecycle,
      previous_status: h.previous_status,
      previous_lifecycle_state: h.previous_lifecycle_state,
      remediation_state: e.remediation,
      provenance: e.provenance,
      version: e.version,
      actor: e.actor,
      reason: e.reason,
      transitioned_at: h.transitioned_at.toISOString(),
    });
  }
}

function view(r: TrustRow) {
  return {
    vm_instance_id: r.vm_instance_id,
    server_id: r.server_id,
    status: r.status,
    lifecycle_state: r.lifecycle_state,
    remediation_state: r.remediation_state,
    provenance: r.provenance,
    version: r.version,
    stale: r.stale,
    last_evidence_at: r.last_evidence_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function historyView(h: TrustHistoryRow) {
  return { ...h, transitioned_at: h.transitioned_at.toISOString() };
}

// The lifecycle console: one snapshot per server, recomputed from governance's own tables in the inbox transaction of
// the events about the server (once per transaction, just before it commits), stored with the columns the list
// filters on, and published as `lifecycle.snapshot.updated` with what changed, in the same transaction, when its
// content changed.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { LifecycleQuery, LifecycleSnapshot } from '@mcp-host/contracts';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  OutboxService,
  Transactions,
  type Manager,
} from '@mcp-host/platform';
import {
  changedParts,
  computeSnapshot,
  contentHash,
  listRow,
  type SnapshotContent,
} from './lifecycle-snapshot';
import { LifecycleErrorCode, LifecycleException } from './lifecycle.exception';
import { LifecycleRepository, type SnapshotWrite } from './lifecycle.repository';

export { RECENT_PROMOTIONS, RECENT_RUNS } from './lifecycle-snapshot';

type Body = SnapshotContent & Pick<LifecycleSnapshot, 'version' | 'updated_at'>;
interface Delta {
  body: Body;
  changed: string[];
  previous: number | null;
}

/** The columns the list filters on, from the snapshot's content. */
function columnsOf(c: SnapshotContent) {
  return {
    serverId: c.server_id,
    state: c.lifecycle_state,
    owner: c.owner_id,
    lane: c.promotion_lane,
    track: c.promotion?.track ?? null,
  };
}

@Injectable()
export class LifecycleService implements OnModuleInit {
  /** Per open transaction (its manager), the servers to recompute before it commits. */
  private readonly stale = new WeakMap<Manager, Set<string>>();

  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly repo: LifecycleRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    // TypeORM calls beforeTransactionCommit inside the transaction, with its manager, right before COMMIT (a failure
    // there rolls the transaction back like a failed handler would).
    this.dataSource.subscribers.push({ beforeTransactionCommit: (e) => this.flush(e.manager) });
  }

  /**
   * The page as JSON text: the stored list rows as they were written (see listRow), joined here, so no snapshot is
   * parsed or serialized per request. The controller sends it as `application/json`.
   */
  async list(q: LifecycleQuery): Promise<string> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new LifecycleException(
          LifecycleErrorCode.INVALID_CURSOR,
          'cursor is not one this API returned',
        );
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit,
        after,
        lifecycleState: q.lifecycle_state,
        ownerId: q.owner_id,
        promotionLane: q.promotion_lane,
      }),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const next = rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.cursor_id) : null;
    return `{"items":[${page.map((r) => r.list_row).join(',')}],"next_cursor":${JSON.stringify(next)}}`;
  }

  /**
   * Has the servers' snapshots recomputed once, just before `m`'s transaction commits, however many events of the
   * transaction (a consumer chunk applies many in one) named them: a promotion moving publishes several events about
   * one server, and each used to recompute it from its whole history. Outside a transaction it recomputes at once.
   */
  refreshAtCommit(m: Manager, serverIds: Iterable<string>): Promise<void> {
    if (!m.queryRunner?.isTransactionActive) return this.refreshMany(m, serverIds);
    let stale = this.stale.get(m);
    if (!stale) {
      stale = new Set();
      this.stale.set(m, stale);
    }
    for (const id of serverIds) stale.add(id);
    return Promise.resolve();
  }

  /** Recomputes what `m`'s transaction marked, inside it (TypeORM calls this right before COMMIT). */
  private async flush(m: Manager): Promise<void> {
    const stale = this.stale.get(m);
    if (!stale || stale.size === 0) return;
    this.stale.delete(m);
    await this.refreshMany(m, stale);
  }

  /**
   * Recomputes the servers' snapshots on `m` in a fixed number of statements: lock the existing rows, read every
   * input, insert the new rows, update the changed ones, publish their deltas. A snapshot whose content did not change
   * (same hash) is not written and publishes nothing.
   */
  async refreshMany(m: Manager, serverIds: Iterable<string>): Promise<void> {
    let ids = [...new Set(serverIds)];
    // A first snapshot another transaction inserted meanwhile: recomputed again, now behind that row's lock.
    while (ids.length > 0) ids = await this.refreshSet(m, ids);
  }

  /** One pass of refreshMany; returns the servers whose first snapshot another transaction created first. */
  private async refreshSet(m: Manager, ids: string[]): Promise<string[]> {
    // The row locks come before the reads: two transactions about one server (two runs attributed at once) wait for
    // each other here, and the second reads what the first committed. Reading first let the later writer store a
    // snapshot missing the other's run until something else changed.
    const current = new Map((await this.repo.lockSnapshots(m, ids)).map((r) => [r.server_id, r]));
    const inputs = await this.repo.snapshotInputs(m, ids);
    const now = new Date().toISOString();
    const inserts: { write: SnapshotWrite; body: Body }[] = [];
    const updates: (Delta & { write: SnapshotWrite })[] = [];
    for (const i of inputs) {
      const content = computeSnapshot({
        serverId: i.server_id,
        server: i.server ?? undefined,
        ledger: i.ledger,
        promotions: i.promotions,
        trust: i.trust,
        runs: i.runs,
        openRuns: i.open_runs,
        marketplace: i.marketplace ?? undefined,
      });
      const hash = contentHash(content);
      const before = current.get(i.server_id);
      if (before?.content_hash === hash) continue;
      const version = before ? before.version + 1 : 1;
      const body = { ...content, version, updated_at: now };
      const write = { ...columnsOf(content), body, listRow: listRow(body), hash, version, updatedAt: now };
      if (before)
        updates.push({ write, body, changed: changedParts(before.body, content), previous: before.version });
      else inserts.push({ write, body });
    }
    const inserted =
      inserts.length > 0
        ? await this.repo.insertSnapshots(
            m,
            inserts.map((i) => i.write),
          )
        : new Set<string>();
    if (updates.length > 0)
      await this.repo.updateSnapshots(
        m,
        updates.map((u) => u.write),
      );
    const created = inserts.filter((i) => inserted.has(i.write.serverId));
    await this.publish(m, [
      ...created.map((i): Delta => ({ body: i.body, changed: ['created'], previous: null })),
      ...updates,
    ]);
    return inserts.filter((i) => !inserted.has(i.write.serverId)).map((i) => i.write.serverId);
  }

  /** The deltas of one pass, in one outbox write. */
  private async publish(m: Manager, deltas: Delta[]): Promise<void> {
    await this.outbox.publishMany(
      m,
      deltas.map((d) => ({
        type: 'lifecycle.snapshot.updated' as const,
        payload: {
          ...d.body,
          delta: { changed: d.changed, previous_version: d.previous },
          heartbeat: { sequence: d.body.version, emitted_at: d.body.updated_at },
        },
      })),
    );
  }
}

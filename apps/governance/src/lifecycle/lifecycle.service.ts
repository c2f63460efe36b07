// The lifecycle console: one snapshot per server, recomputed from governance's own tables whenever an event about
// the server is applied (in that event's inbox transaction), stored with the columns the list filters on, and
// published as `lifecycle.snapshot.updated` with what changed, in the same transaction, when its content changed.
import { Injectable } from '@nestjs/common';
import type { EventPayload, LifecycleQuery } from '@mcp-host/contracts';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  OutboxService,
  Transactions,
  type Manager,
} from '@mcp-host/platform';
import { changedParts, computeSnapshot, contentHash } from './lifecycle-snapshot';
import { LifecycleErrorCode, LifecycleException } from './lifecycle.exception';
import { LifecycleRepository } from './lifecycle.repository';

/** Runs and promotions a console row shows. */
export const RECENT_RUNS = 5;
export const RECENT_PROMOTIONS = 5;

@Injectable()
export class LifecycleService {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly repo: LifecycleRepository,
  ) {}

  async list(q: LifecycleQuery) {
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
        limit: q.limit + 1,
        after,
        lifecycleState: q.lifecycle_state,
        ownerId: q.owner_id,
        promotionLane: q.promotion_lane,
      }),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.body),
      next_cursor: rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.server_id) : null,
    };
  }

  /**
   * Recomputes the server's snapshot on `m`. Returns the new version when the content changed (and the delta was
   * published), or null when nothing changed.
   */
  async refresh(m: Manager, serverId: string): Promise<number | null> {
    const [server, ledger, promotions, trust, runs, openRuns, marketplace] = [
      await this.repo.server(m, serverId),
      await this.repo.ledger(m, serverId),
      await this.repo.promotions(m, serverId, RECENT_PROMOTIONS),
      await this.repo.trust(m, serverId),
      await this.repo.runs(m, serverId, RECENT_RUNS),
      await this.repo.openRuns(m, serverId),
      await this.repo.marketplace(m, serverId),
    ];
    const content = computeSnapshot({
      serverId,
      server,
      ledger,
      promotions,
      trust,
      runs,
      openRuns,
      marketplace,
    });
    const hash = contentHash(content);
    const columns = {
      serverId,
      state: content.lifecycle_state,
      owner: content.owner_id,
      lane: content.promotion_lane,
      track: content.promotion?.track ?? null,
    };
    let current = await this.repo.lockSnapshot(m, serverId);
    if (!current) {
      const now = new Date().toISOString();
      const created = await this.repo.insertSnapshot(
        m,
        columns,
        { ...content, version: 1, updated_at: now },
        hash,
      );
      if (created.inserted) {
        await this.publish(m, { ...content, version: 1, updated_at: now }, ['created'], null);
        return 1;
      }
      // Another transaction created it first: follow the update path behind its lock.
      current = await this.repo.lockSnapshot(m, serverId);
      if (!current) return null;
    }
    if (current.content_hash === hash) return null;
    const version = current.version + 1;
    const body = { ...content, version, updated_at: new Date().toISOString() };
    await this.repo.updateSnapshot(m, columns, body, hash, version);
    await this.publish(m, body, changedParts(current.body, content), current.version);
    return version;
  }

  async refreshMany(m: Manager, serverIds: Iterable<string>): Promise<void> {
    for (const id of new Set(serverIds)) await this.refresh(m, id);
  }

  private async publish(
    m: Manager,
    body: EventPayload<'lifecycle.snapshot.updated'>,
    changed: string[],
    previous: number | null,
  ): Promise<void> {
    await this.outbox.publish(m, 'lifecycle.snapshot.updated', {
      ...body,
      delta: { changed, previous_version: previous },
      heartbeat: { sequence: body.version, emitted_at: body.updated_at },
    });
  }
}

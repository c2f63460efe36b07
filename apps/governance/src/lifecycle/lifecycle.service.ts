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
import {
  changedParts,
  computeSnapshot,
  contentHash,
  listRow,
  type SnapshotContent,
} from './lifecycle-snapshot';
import { LifecycleErrorCode, LifecycleException } from './lifecycle.exception';
import { LifecycleRepository } from './lifecycle.repository';

/** Runs and promotions a console row shows. */
export const RECENT_RUNS = 5;
export const RECENT_PROMOTIONS = 5;

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
export class LifecycleService {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly repo: LifecycleRepository,
  ) {}

  /**
   * The page as JSON text: the stored list rows as they were written (see listRow), joined by Postgres, so no snapshot
   * is parsed or serialized per request. The controller sends it as `application/json`.
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
    const page = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit,
        after,
        lifecycleState: q.lifecycle_state,
        ownerId: q.owner_id,
        promotionLane: q.promotion_lane,
      }),
    );
    const next =
      page.rows > q.limit && page.cursor_ts !== null && page.cursor_id !== null
        ? encodeKeysetCursor(page.cursor_ts, page.cursor_id)
        : null;
    return `{"items":[${page.items ?? ''}],"next_cursor":${JSON.stringify(next)}}`;
  }

  /**
   * Recomputes the server's snapshot on `m`. Returns the new version when the content changed (and the delta was
   * published), or null when nothing changed.
   */
  async refresh(m: Manager, serverId: string): Promise<number | null> {
    // The row lock comes before the reads: two events about one server (two runs attributed at once) wait for each
    // other here, and the second reads what the first committed. Reading first let the later writer store a snapshot
    // missing the other's run until something else changed.
    let current = await this.repo.lockSnapshot(m, serverId);
    let content = await this.compute(m, serverId);
    if (!current) {
      const now = new Date().toISOString();
      const first = { ...content, version: 1, updated_at: now };
      const created = await this.repo.insertSnapshot(
        m,
        columnsOf(content),
        first,
        listRow(first),
        contentHash(content),
      );
      if (created.inserted) {
        await this.publish(m, first, ['created'], null);
        return 1;
      }
      // Another transaction created it first (the insert waited for its commit): read again behind its lock.
      current = await this.repo.lockSnapshot(m, serverId);
      if (!current) return null;
      content = await this.compute(m, serverId);
    }
    const hash = contentHash(content);
    if (current.content_hash === hash) return null;
    const version = current.version + 1;
    const body = { ...content, version, updated_at: new Date().toISOString() };
    await this.repo.updateSnapshot(m, columnsOf(content), body, listRow(body), hash, version);
    await this.publish(m, body, changedParts(current.body, content), current.version);
    return version;
  }

  private async compute(m: Manager, serverId: string): Promise<SnapshotContent> {
    const [server, ledger, promotions, trust, runs, openRuns, marketplace] = [
      await this.repo.server(m, serverId),
      await this.repo.ledger(m, serverId),
      await this.repo.promotions(m, serverId, RECENT_PROMOTIONS),
      await this.repo.trust(m, serverId),
      await this.repo.runs(m, serverId, RECENT_RUNS),
      await this.repo.openRuns(m, serverId),
      await this.repo.marketplace(m, serverId),
    ];
    return computeSnapshot({ serverId, server, ledger, promotions, trust, runs, openRuns, marketplace });
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

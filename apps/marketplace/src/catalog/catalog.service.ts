// Browses the catalog: one entry per artifact run (or per server without runs), with its health, certifications and
// promotion lineage. A page is one index range scan over the entries' stored renderings; one entry is built live.
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { MarketplaceCatalogEntry, MarketplaceQuery } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { Clock } from '../common/clock';
import { CatalogRenderer } from './catalog-renderer.service';
import { CatalogErrorCode, CatalogException } from './catalog.exception';
import { CatalogRepository, type CatalogKey, type CatalogListRow } from './catalog.repository';

const cursorSchema = z.object({
  n: z.string(),
  s: z.guid(),
  r: z.string().regex(/^-?\d+$/),
  e: z.guid(),
});

function encodeCursor(r: CatalogListRow): string {
  return Buffer.from(
    JSON.stringify({ n: r.server_name, s: r.server_id, r: r.sort_rank, e: r.entry_id }),
  ).toString('base64url');
}

function decodeCursor(cursor: string): CatalogKey {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new CatalogException(CatalogErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  }
  return { serverName: parsed.n, serverId: parsed.s, sortRank: parsed.r, entryId: parsed.e };
}

@Injectable()
export class CatalogService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly renderer: CatalogRenderer,
    private readonly tx: Transactions,
    private readonly clock: Clock,
  ) {}

  async get(artifactRunId: string): Promise<MarketplaceCatalogEntry> {
    const entry = await this.tx.read(async (m) => {
      const row = await this.repo.findEntry(m, artifactRunId);
      return row ? (await this.renderer.build(m, [row], this.clock.now()))[0].entry : undefined;
    });
    if (!entry) {
      throw new CatalogException(
        CatalogErrorCode.ENTRY_NOT_FOUND,
        `No catalog entry for artifact run ${artifactRunId}.`,
      );
    }
    return entry;
  }

  /**
   * One page as JSON text (a MarketplaceListResponse): the entries' stored renderings joined as they are, with the
   * rare stale one (not rendered yet, or a certification window ended since) built live.
   */
  async list(q: MarketplaceQuery): Promise<string> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const now = this.clock.now();
    const rows = await this.tx.read((m) =>
      this.repo.list(
        m,
        { limit: q.limit + 1, after, serverType: q.server_type, status: q.status, tier: q.tier, q: q.q },
        now,
      ),
    );
    const page = rows.slice(0, q.limit);
    const live = await this.buildLive(
      page.flatMap((r) => (r.stale ? [r.entry_id] : [])),
      now,
    );
    const items: string[] = [];
    for (const r of page) {
      const text = r.stale ? live.get(r.entry_id) : r.list_row;
      // An entry removed between the two reads is left out, as a page read a moment later would.
      if (text !== undefined && text !== null) items.push(text);
    }
    const next = rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null;
    return `{"items":[${items.join(',')}],"next_cursor":${JSON.stringify(next)}}`;
  }

  private async buildLive(entryIds: string[], now: Date): Promise<Map<string, string>> {
    if (entryIds.length === 0) return new Map();
    return this.tx.read(async (m) => {
      const rows = await this.repo.findEntries(m, entryIds);
      const built = await this.renderer.build(m, rows, now);
      return new Map(rows.map((r, i) => [r.entry_id, JSON.stringify(built[i].entry)]));
    });
  }
}

// Reads a server's registry usage metrics, newest first, a keyset page at a time.
import { ServerProjectionRepository, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import { Injectable } from '@nestjs/common';
import type { Metric, MetricsQuery } from '@mcp-host/contracts';
import { UsageMetricErrorCode, UsageMetricException } from './usage-metric.exception';
import { UsageMetricRepository, type UsageMetricRow } from './usage-metric.repository';

export interface MetricPage {
  items: Metric[];
  next_cursor: string | null;
}

/** The contract's metric row; the stored event and details go out as written, even keys the contract does not name. */
export function toMetric(r: UsageMetricRow): Metric {
  return {
    id: r.id,
    server_id: r.server_id,
    build_id: r.build_id,
    event: r.event as Metric['event'],
    details: r.details as Metric['details'],
    recorded_at: new Date(r.created_at).toISOString(),
  };
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c) {
    throw new UsageMetricException(
      UsageMetricErrorCode.INVALID_CURSOR,
      'The cursor is not one this API returned.',
    );
  }
  return { createdAt: c.key, id: c.id };
}

@Injectable()
export class UsageMetricService {
  constructor(
    private readonly metrics: UsageMetricRepository,
    private readonly servers: ServerProjectionRepository,
  ) {}

  async list(serverId: string, q: MetricsQuery): Promise<MetricPage> {
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (!(await this.servers.findById(serverId))) {
      throw new UsageMetricException(UsageMetricErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    }
    const rows = await this.metrics.listByServer({ serverId, limit: q.limit + 1, before, event: q.event });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toMetric),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].created_at_key, page[page.length - 1].id)
          : null,
    };
  }
}

// Reads a server's registry usage metrics, newest first, a keyset page at a time.
import { ServerProjectionRepository } from '@mcp-host/platform';
import { Injectable } from '@nestjs/common';
import type { Metric, MetricsQuery } from '@mcp-host/contracts';
import { UsageMetricErrorCode, UsageMetricException } from './usage-metric.exception';
import { UsageMetricRepository, type UsageMetricRow } from './usage-metric.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

function encodeCursor(r: UsageMetricRow): string {
  return Buffer.from(`${r.created_at_key}|${r.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || extra !== undefined || Number.isNaN(Date.parse(createdAt)) || !UUID.test(id)) {
    throw new UsageMetricException(
      UsageMetricErrorCode.INVALID_CURSOR,
      'The cursor is not one this API returned.',
    );
  }
  return { createdAt, id };
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
      next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }
}

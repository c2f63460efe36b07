// Reads a server's registry usage metrics, newest first, a keyset page at a time.
import { Injectable } from '@nestjs/common';
import { ServerProjectionRepository } from '../servers/server-projection.repository';
import type { UsageMetric, UsageMetricListQuery, UsageMetricListResponse } from './usage-metric.dto';
import { UsageMetricErrorCode, UsageMetricException } from './usage-metric.exception';
import { UsageMetricRepository, type UsageMetricRow } from './usage-metric.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toUsageMetric(r: UsageMetricRow): UsageMetric {
  return {
    id: r.id,
    server_id: r.server_id,
    build_id: r.build_id,
    event: r.event,
    details: r.details,
    created_at: new Date(r.created_at).toISOString(),
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

  async list(serverId: string, q: UsageMetricListQuery): Promise<UsageMetricListResponse> {
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (!(await this.servers.findById(serverId))) {
      throw new UsageMetricException(UsageMetricErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    }
    const rows = await this.metrics.listByServer(serverId, q.limit + 1, before);
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toUsageMetric),
      next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }
}

// Every query of the usage metrics table.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { UsageMetricEntity } from './usage-metric.entity';

/** A row plus its exact (microsecond) timestamp as text, which the keyset cursor must carry unrounded. */
export type UsageMetricRow = UsageMetricEntity & { created_at_key: string };

export interface NewUsageMetric {
  id?: string;
  server_id: string;
  build_id: string | null;
  event: string;
  details: Record<string, unknown>;
  /** Defaults to the database clock at the insert (not the transaction start), so rows of one transaction keep their order. */
  created_at?: string;
}

const COLUMNS = `id, server_id, build_id, event, details, created_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_key`;

@Injectable()
export class UsageMetricRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, metric: NewUsageMetric): Promise<UsageMetricRow> {
    const rows = await m.query<UsageMetricRow[]>(
      `INSERT INTO usage_metrics (id, server_id, build_id, event, details, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, COALESCE($6::timestamptz, clock_timestamp())) RETURNING ${COLUMNS}`,
      [
        metric.id ?? randomUUID(),
        metric.server_id,
        metric.build_id,
        metric.event,
        JSON.stringify(metric.details),
        metric.created_at ?? null,
      ],
    );
    return rows[0];
  }

  /** Newest first; `before` is the last row of the previous page. */
  async listByServer(f: {
    serverId: string;
    limit: number;
    before?: { createdAt: string; id: string };
    event?: string;
  }): Promise<UsageMetricRow[]> {
    const params: unknown[] = [f.serverId];
    const where = ['server_id = $1'];
    if (f.before) {
      params.push(f.before.createdAt, f.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    if (f.event) {
      params.push(f.event);
      where.push(`event = $${params.length}`);
    }
    params.push(f.limit);
    return await this.dataSource.query<UsageMetricRow[]>(
      `SELECT ${COLUMNS} FROM usage_metrics WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }
}

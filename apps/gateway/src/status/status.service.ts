// GET /api/status: the gateway's own readiness plus every upstream's /readyz, asked in parallel with a short timeout.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectLogger, KafkaConnection, checkFailure, failureClass } from '@mcp-host/platform';
import type { Logger } from 'pino';
import type { ServiceName, ServiceStatus, StatusResponse } from '@mcp-host/contracts';
import { DataSource } from 'typeorm';
import { UpstreamPools, UPSTREAM_NAMES, type UpstreamName } from '../proxy/upstream-pools';

const PROBE_TIMEOUT_MS = 2_000;

@Injectable()
export class StatusService {
  constructor(
    private readonly pools: UpstreamPools,
    private readonly kafka: KafkaConnection,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  /** The answer names a class of failure; hosts, ports and driver messages go to the log only. */
  private failed(what: string, err: unknown): string {
    this.logger.warn({ err: (err as Error).message, check: what }, 'status: check failed');
    return checkFailure(err);
  }

  async report(): Promise<StatusResponse> {
    const [gateway, ...upstreams] = await Promise.all([
      this.self(),
      ...UPSTREAM_NAMES.map((name) => this.probe(name)),
    ]);
    const services = { gateway } as Record<ServiceName, ServiceStatus>;
    UPSTREAM_NAMES.forEach((name, i) => {
      services[name] = upstreams[i];
    });
    const ready = Object.values(services).every((s) => s.status === 'ready');
    return { status: ready ? 'ready' : 'degraded', services };
  }

  private async self(): Promise<ServiceStatus> {
    const [database, kafka] = await Promise.all([
      this.dataSource.query('SELECT 1').then(
        () => 'up',
        (err: Error) => this.failed('database', err),
      ),
      this.kafka.ping(PROBE_TIMEOUT_MS).then(
        () => 'up',
        (err: Error) => this.failed('kafka', err),
      ),
    ]);
    return {
      status: database === 'up' && kafka === 'up' ? 'ready' : 'not_ready',
      checks: { database, kafka },
    };
  }

  private async probe(name: UpstreamName): Promise<ServiceStatus> {
    try {
      const res = await this.pools.get(name).request({
        method: 'GET',
        path: '/readyz',
        headersTimeout: PROBE_TIMEOUT_MS,
        bodyTimeout: PROBE_TIMEOUT_MS,
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      const body = (await res.body.json().catch(() => undefined)) as
        { status?: unknown; checks?: Record<string, string> } | undefined;
      const ready = res.statusCode === 200 && body?.status === 'ready';
      return { status: ready ? 'ready' : 'not_ready', ...(body?.checks ? { checks: body.checks } : {}) };
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, upstream: name }, 'status: upstream unreachable');
      return { status: 'unreachable', error: failureClass(err) };
    }
  }
}

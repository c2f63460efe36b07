// Liveness (the process answers) and readiness (its database and Kafka answer).
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { KafkaConnection } from '../events/kafka-connection';
import { EventBusLifecycle } from '../events/event-bus.lifecycle';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS } from '../tokens';
import type { Logger } from 'pino';
import { checkFailure } from './check-failure';
import type { PlatformModuleOptions } from '../platform.module';

/** 'up', or 'down: <class>' (timeout, refused, unreachable, error); the full reason is logged, not answered. */
type Check = string;

@Controller()
export class HealthController {
  private kafkaCache?: { at: number; result: Check };

  constructor(
    private readonly dataSource: DataSource,
    private readonly kafka: KafkaConnection,
    private readonly bus: EventBusLifecycle,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformModuleOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok', service: this.options.service };
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply) {
    const [database, kafka] = await Promise.all([this.checkDatabase(), this.checkKafka()]);
    const paused = this.bus.consumer?.degraded;
    // The reason is in the consumer's log line; the answer says only that it waits for the database.
    const consumer: Check = paused === undefined ? 'up' : 'degraded: waiting for the database';
    const ready = database === 'up' && kafka === 'up' && consumer === 'up';
    await reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : paused !== undefined ? 'degraded' : 'not_ready',
      service: this.options.service,
      checks: { database, kafka, consumer },
    });
  }

  private async checkDatabase(): Promise<Check> {
    try {
      await this.dataSource.query('SELECT 1');
      return 'up';
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'readiness: database check failed');
      return checkFailure(err);
    }
  }

  /** Cached for a second so a busy load balancer does not open a Kafka connection per probe. */
  private async checkKafka(): Promise<Check> {
    const now = Date.now();
    if (this.kafkaCache && now - this.kafkaCache.at < 1000) return this.kafkaCache.result;
    let result: Check;
    try {
      await this.kafka.ping(2000);
      result = 'up';
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'readiness: Kafka check failed');
      result = checkFailure(err);
    }
    this.kafkaCache = { at: Date.now(), result };
    return result;
  }
}

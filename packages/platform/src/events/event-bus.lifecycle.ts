// Finds every @EventHandler in the service, then starts and stops the relay and the consumer with the app.
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { EventType } from '@mcp-host/contracts';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import {
  EVENT_BATCH_HANDLER_METADATA,
  EVENT_HANDLER_METADATA,
  type EventBatchHandlerFn,
  type EventHandlerFn,
  type RegisteredEventHandler,
} from './event-handler.decorator';
import { EventConsumer } from './event-consumer';
import { KafkaConnection } from './kafka-connection';
import type { OutboxRelayHandle } from './outbox.relay';
import { PlatformMetrics } from '../ops/platform-metrics';
import { OUTBOX_RELAY, PLATFORM_CONFIG, PLATFORM_LOGGER, PLATFORM_OPTIONS } from '../tokens';
import type { PlatformConfig, PlatformModuleOptions } from '../platform.module';

@Injectable()
export class EventBusLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  consumer?: EventConsumer;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelayHandle,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly metrics: PlatformMetrics,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformModuleOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  handlers(): Map<EventType, RegisteredEventHandler[]> {
    const map = new Map<EventType, RegisteredEventHandler[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const type = this.reflector.get<EventType | undefined>(EVENT_HANDLER_METADATA, method as () => void);
        const batchType = this.reflector.get<EventType | undefined>(
          EVENT_BATCH_HANDLER_METADATA,
          method as () => void,
        );
        if (type) {
          const list = map.get(type) ?? [];
          list.push((method as EventHandlerFn).bind(instance));
          map.set(type, list);
        }
        if (batchType) {
          const batch = (method as EventBatchHandlerFn).bind(instance);
          const one: RegisteredEventHandler = (payload, ctx) => batch([{ payload, ctx }]);
          one.batch = batch;
          const list = map.get(batchType) ?? [];
          list.push(one);
          map.set(batchType, list);
        }
      }
    }
    return map;
  }

  onApplicationBootstrap(): void {
    if (this.config.OUTBOX_RELAY_ENABLED) this.relay.start();
    if (this.config.EVENT_CONSUMER_ENABLED) {
      this.consumer = new EventConsumer({
        groupId:
          this.config.KAFKA_CONSUMER_GROUP ??
          this.options.consumerGroup ??
          `mcp-host.${this.options.service}`,
        dataSource: this.dataSource,
        kafka: this.kafka,
        metrics: this.metrics,
        logger: this.logger.child({ component: 'event-consumer' }),
        maxAttempts: this.config.EVENT_MAX_ATTEMPTS,
        handlers: this.handlers(),
        sessionTimeoutMs: this.config.KAFKA_SESSION_TIMEOUT_MS,
      });
      this.consumer.start();
      // The inbox only needs ids young enough to be redelivered; older ones are pruned so it stops growing.
      const consumer = this.consumer;
      const prune = () => {
        consumer.pruneInbox(this.config.INBOX_RETENTION_HOURS).then(
          (n) => n > 0 && this.logger.info({ pruned: n }, 'inbox pruned'),
          (err: unknown) => this.logger.warn({ err: (err as Error).message }, 'inbox prune failed'),
        );
      };
      this.pruneTimer = setInterval(prune, 10 * 60 * 1000);
      this.pruneTimer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.consumer?.stop();
    await this.relay.stop();
    await this.kafka.close();
  }
}

// The shared NestJS kit. Services import from here only; kafkajs, pg and prom-client stay behind it.
export * from './config/config.schema';
export * from './config/load-config';
export * from './database/data-source';
export * from './database/migrate';
export * from './database/transactions';
export * from './events/event-handler.decorator';
export * from './events/outbox.service';
export { KafkaConnection } from './events/kafka-connection';
export { EventConsumer, type DeadLetterReason } from './events/event-consumer';
export { OutboxRelay, type OutboxRelayHandle } from './events/outbox.relay';
export * from './events/topic-reader';
export * from './http/api.exception';
export { internalTokenOf, InternalAuthCheck } from './http/internal-auth';
export * from './http/api-exception.filter';
export * from './http/zod-validation.pipe';
export * from './http/uuid-param.pipe';
export { NoRequestTimeout } from './http/request-timeout.interceptor';
export * from './database/database-errors';
export * from './http/keyset-cursor';
export * from './ops/platform-metrics';
export { checkFailure, failureClass } from './ops/check-failure';
// Services register their own metrics on PlatformMetrics.registry with the kit's prom-client, never a second copy.
export { Counter, Gauge, Histogram } from 'prom-client';
export * from './platform.module';
export * from './tokens';
export * from './bootstrap/service-app';
export { currentScope, outgoingTraceparent, newTraceparent, isTraceparent } from './telemetry/trace-context';
export {
  ServerProjectionModule,
  serverProjectionMigrations,
  serverProjectionEntities,
} from './projections/server-projection.module';
export { ServerProjectionRepository } from './projections/server-projection.repository';
export { ProjectedServerEntity, ServerTombstoneEntity } from './projections/server-projection.entity';

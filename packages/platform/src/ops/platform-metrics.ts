// One Prometheus registry per service instance (several share a process in standalone mode) with the kit's metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class PlatformMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsPublished: Counter<'topic' | 'type'>;
  readonly eventsConsumed: Counter<'topic' | 'type' | 'outcome'>;
  readonly eventsRetried: Counter<'topic' | 'type'>;
  readonly eventsDeadLettered: Counter<'topic' | 'reason'>;
  readonly relayFailures: Counter<string>;
  readonly outboxParked: Counter<'topic' | 'type'>;
  readonly consumerInfraRetries: Counter<'topic'>;
  readonly consumerDegraded: Gauge<string>;
  readonly outboxLag: Gauge<string>;
  readonly outboxOldestAge: Gauge<string>;

  constructor(service: string, opts: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ service });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'mcp_host_http_requests_total',
      help: 'HTTP requests served',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'mcp_host_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.eventsPublished = new Counter({
      name: 'mcp_host_events_published_total',
      help: 'Events the outbox relay published to Kafka',
      labelNames: ['topic', 'type'],
      registers,
    });
    this.eventsConsumed = new Counter({
      name: 'mcp_host_events_consumed_total',
      help: 'Events consumed, by outcome (applied, duplicate, ignored)',
      labelNames: ['topic', 'type', 'outcome'],
      registers,
    });
    this.eventsRetried = new Counter({
      name: 'mcp_host_events_retried_total',
      help: 'Event handler attempts that failed and were retried',
      labelNames: ['topic', 'type'],
      registers,
    });
    this.eventsDeadLettered = new Counter({
      name: 'mcp_host_events_dead_lettered_total',
      help: 'Events sent to a dead-letter topic',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.relayFailures = new Counter({
      name: 'mcp_host_outbox_relay_failures_total',
      help: 'Outbox relay publish attempts that failed (Kafka unavailable or rejected)',
      registers,
    });
    this.outboxParked = new Counter({
      name: 'mcp_host_outbox_parked_total',
      help: 'Outbox events the broker refused for good, parked in outbox_parked and on the dead-letter topic',
      labelNames: ['topic', 'type'],
      registers,
    });
    this.consumerInfraRetries = new Counter({
      name: 'mcp_host_consumer_infrastructure_retries_total',
      help: 'Batches paused and retried because the database was unreachable or busy (not counted as attempts)',
      labelNames: ['topic'],
      registers,
    });
    this.consumerDegraded = new Gauge({
      name: 'mcp_host_consumer_degraded',
      help: '1 while the consumer is paused by an infrastructure failure, else 0',
      registers,
    });
    this.outboxLag = new Gauge({
      name: 'mcp_host_outbox_lag_events',
      help: 'Events written to the outbox and not yet published',
      registers,
    });
    this.outboxOldestAge = new Gauge({
      name: 'mcp_host_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox event',
      registers,
    });
  }
}

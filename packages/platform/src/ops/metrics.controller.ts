// Prometheus exposition of this service's registry.
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { PlatformMetrics } from './platform-metrics';
import type { OutboxRelayHandle } from '../events/outbox.relay';
import { OUTBOX_RELAY } from '../tokens';

@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: PlatformMetrics,
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelayHandle,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    try {
      const lag = await this.relay.lag();
      this.metrics.outboxLag.set(lag.count);
      this.metrics.outboxOldestAge.set(lag.oldestAgeSeconds);
    } catch {
      // A database outage shows on /readyz; the scrape still returns everything else.
    }
    return this.metrics.registry.metrics();
  }
}

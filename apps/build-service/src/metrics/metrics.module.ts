// The usage metrics feature: the table the build pipeline writes registry telemetry into, and its read API.
import { Module } from '@nestjs/common';
import { ServerProjectionModule } from '@mcp-host/platform';
import { UsageMetricController } from './usage-metric.controller';
import { UsageMetricRepository } from './usage-metric.repository';
import { UsageMetricService } from './usage-metric.service';

@Module({
  imports: [ServerProjectionModule],
  controllers: [UsageMetricController],
  providers: [UsageMetricRepository, UsageMetricService],
  exports: [UsageMetricRepository],
})
export class MetricsModule {}

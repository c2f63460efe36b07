// /api/servers/:id/metrics: a server's registry usage metrics with their raw `details`.
import { Controller, Get, Param, Query } from '@nestjs/common';
import { metricsQuerySchema, type MetricsQuery } from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { UsageMetricService } from './usage-metric.service';

const uuid = new UuidParamPipe('server');

@Controller('api/servers')
export class UsageMetricController {
  constructor(private readonly metrics: UsageMetricService) {}

  @Get(':id/metrics')
  list(@Param('id', uuid) id: string, @Query(new ZodValidationPipe(metricsQuerySchema)) query: MetricsQuery) {
    return this.metrics.list(id, query);
  }
}

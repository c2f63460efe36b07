// /api/servers/:id/metrics: a server's registry usage metrics with their raw `details`.
import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiException, ZodValidationPipe } from '@mcp-host/platform';
import { usageMetricListQuerySchema, type UsageMetricListQuery } from './usage-metric.dto';
import { UsageMetricService } from './usage-metric.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ApiException(400, 'INVALID_ID', 'The server id must be a UUID.'),
});

@Controller('api/servers')
export class UsageMetricController {
  constructor(private readonly metrics: UsageMetricService) {}

  @Get(':id/metrics')
  list(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(usageMetricListQuerySchema)) query: UsageMetricListQuery,
  ) {
    return this.metrics.list(id, query);
  }
}

// GET /api/lifecycle: the lifecycle console, one snapshot per server, filtered and keyset-paged. The deltas stream
// (/api/lifecycle/stream) is served by the gateway from the lifecycle.snapshot.updated events this feature publishes.
import { Controller, Get, Header, Query } from '@nestjs/common';
import { lifecycleQuerySchema, type LifecycleQuery } from '@mcp-host/contracts';
import { ZodValidationPipe } from '@mcp-host/platform';
import { LifecycleService } from './lifecycle.service';

@Controller('api/lifecycle')
export class LifecycleController {
  constructor(private readonly lifecycle: LifecycleService) {}

  // The page comes as JSON text (stored list rows joined); the header keeps Fastify from sending it as text/plain.
  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  list(@Query(new ZodValidationPipe(lifecycleQuerySchema)) q: LifecycleQuery) {
    return this.lifecycle.list(q);
  }
}

// /api/trust/registry: list, read, history and guarded transitions of VM instances' trust snapshots.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  trustHistoryQuerySchema,
  trustRegistryQuerySchema,
  trustTransitionBodySchema,
  type TrustHistoryQuery,
  type TrustRegistryQuery,
  type TrustTransitionBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { TrustService } from './trust.service';

const uuid = new UuidParamPipe('VM instance');

@Controller('api/trust/registry')
export class TrustController {
  constructor(private readonly trust: TrustService) {}

  @Get()
  list(@Query(new ZodValidationPipe(trustRegistryQuerySchema)) q: TrustRegistryQuery) {
    return this.trust.list(q);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.trust.get(id);
  }

  @Get(':id/history')
  history(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(trustHistoryQuerySchema)) q: TrustHistoryQuery,
  ) {
    return this.trust.history(id, q.limit);
  }

  @Post(':id/transition')
  @HttpCode(200)
  transition(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(trustTransitionBodySchema)) body: TrustTransitionBody,
    @Headers('x-mcp-host-subject') actor?: string,
  ) {
    return this.trust.transition(id, body, actor ?? null);
  }
}

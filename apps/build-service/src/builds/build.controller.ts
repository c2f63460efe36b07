// /api/servers/:id/builds and /api/builds/:id: start a build (202; `Idempotency-Key` honoured, the caller recorded
// as `requested_by`), list a server's builds, fetch one.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  cursorQuerySchema,
  limitQuerySchema,
  startBuildBodySchema,
  text,
  type StartBuildBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { z } from 'zod';
import { BuildService } from './build.service';

const uuid = new UuidParamPipe();
const pageQuery = z.object({ limit: limitQuerySchema, cursor: cursorQuerySchema });
/** The identity the gateway forwards (decoded by the kit) and the client's Idempotency-Key. */
const startHeaders = z.object({
  'x-mcp-host-subject': text('label').optional(),
  'idempotency-key': text('label').optional(),
});
const headersPipe = new ZodValidationPipe(startHeaders);

@Controller('api')
export class BuildController {
  constructor(private readonly builds: BuildService) {}

  @Post('servers/:id/builds')
  @HttpCode(202)
  start(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(startBuildBodySchema)) body: StartBuildBody,
    @Headers('x-mcp-host-subject') subject?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    const h = headersPipe.transform({ 'x-mcp-host-subject': subject, 'idempotency-key': idempotencyKey });
    return this.builds.start(id, body, {
      requestedBy: h['x-mcp-host-subject'] ?? null,
      idempotencyKey: h['idempotency-key'] ?? null,
    });
  }

  @Get('servers/:id/builds')
  list(@Param('id', uuid) id: string, @Query(new ZodValidationPipe(pageQuery)) q: z.infer<typeof pageQuery>) {
    return this.builds.list(id, q);
  }

  @Get('builds/:id')
  get(@Param('id', uuid) id: string) {
    return this.builds.get(id);
  }
}

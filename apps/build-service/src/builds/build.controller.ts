// /api/servers/:id/builds and /api/builds/:id: start a build (202), list a server's builds, fetch one.
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  cursorQuerySchema,
  limitQuerySchema,
  startBuildBodySchema,
  type StartBuildBody,
} from '@mcp-host/contracts';
import { ApiException, ZodValidationPipe } from '@mcp-host/platform';
import { z } from 'zod';
import { BuildService } from './build.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ApiException(400, 'INVALID_ID', 'The id must be a UUID.'),
});
const pageQuery = z.object({ limit: limitQuerySchema, cursor: cursorQuerySchema });

@Controller('api')
export class BuildController {
  constructor(private readonly builds: BuildService) {}

  @Post('servers/:id/builds')
  @HttpCode(202)
  start(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(startBuildBodySchema)) body: StartBuildBody,
  ) {
    return this.builds.start(id, body);
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

// /api/servers: the server registry's REST surface.
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  createServerBodySchema,
  serverListQuerySchema,
  updateServerBodySchema,
  versionQuerySchema,
  type CreateServerBody,
  type ServerListQuery,
  type UpdateServerBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { ServerService } from './server.service';

const uuid = new UuidParamPipe('server');
const deleteQuery = z.object({ version: versionQuerySchema.optional() });

@Controller('api/servers')
export class ServerController {
  constructor(private readonly servers: ServerService) {}

  @Post()
  register(
    @Body(new ZodValidationPipe(createServerBodySchema)) body: CreateServerBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.servers.register(body, caller);
  }

  @Get()
  list(@Query(new ZodValidationPipe(serverListQuerySchema)) query: ServerListQuery) {
    return this.servers.list(query);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.servers.get(id);
  }

  @Patch(':id')
  update(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(updateServerBodySchema)) body: UpdateServerBody,
  ) {
    return this.servers.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(deleteQuery)) query: z.infer<typeof deleteQuery>,
  ) {
    await this.servers.delete(id, query.version);
  }
}

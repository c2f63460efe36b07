// /api/servers: the server registry's REST surface.
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  createServerBodySchema,
  serverListQuerySchema,
  updateServerBodySchema,
  type CreateServerBody,
  type ServerListQuery,
  type UpdateServerBody,
} from '@mcp-host/contracts';
import { ApiException, ZodValidationPipe } from '@mcp-host/platform';
import { ServerService } from './server.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ApiException(400, 'INVALID_ID', 'The server id must be a UUID.'),
});

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
  async delete(@Param('id', uuid) id: string, @Query('version') version?: string) {
    const v = version === undefined ? undefined : Number(version);
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
      throw new ApiException(400, 'VALIDATION_FAILED', 'version: must be a positive whole number');
    }
    await this.servers.delete(id, v);
  }
}

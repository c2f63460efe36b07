// /api/sessions: the agent session store's REST surface.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  agentSessionListQuerySchema,
  createAgentSessionBodySchema,
  versionedActionBodySchema,
  type AgentSessionListQuery,
  type CreateAgentSessionBody,
  type VersionedActionBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { SessionService } from './session.service';

const uuid = new UuidParamPipe('agent session');

@Controller('api/sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  create(
    @Body(new ZodValidationPipe(createAgentSessionBodySchema)) body: CreateAgentSessionBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.sessions.create(body, caller ?? 'unknown');
  }

  @Get()
  list(@Query(new ZodValidationPipe(agentSessionListQuerySchema)) query: AgentSessionListQuery) {
    return this.sessions.list(query);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.sessions.get(id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  revoke(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(versionedActionBodySchema)) body: VersionedActionBody,
  ) {
    return this.sessions.setRevoked(id, body.version, true);
  }

  @Post(':id/unrevoke')
  @HttpCode(200)
  unrevoke(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(versionedActionBodySchema)) body: VersionedActionBody,
  ) {
    return this.sessions.setRevoked(id, body.version, false);
  }
}

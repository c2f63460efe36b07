// /api/servers/:id/{start,stop,logs,decisions}: launching, stopping and reading a server's runtime.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  serverDecisionsQuerySchema,
  serverLogsQuerySchema,
  startServerBodySchema,
  stopServerBodySchema,
  type ServerDecisionsQuery,
  type ServerLogsQuery,
  type StartServerBody,
  type StopServerBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { PolicyDecisionService } from '../decisions/policy-decision.service';
import { ServerRuntimeService } from './server-runtime.service';
import { logTimestampNs, streamLogs, type LogReply } from './server-logs.stream';

const uuid = new UuidParamPipe('server');

@Controller('api/servers')
export class ServerRuntimeController {
  constructor(
    private readonly runtime: ServerRuntimeService,
    private readonly decisions: PolicyDecisionService,
  ) {}

  @Post(':id/start')
  @HttpCode(202)
  start(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(startServerBodySchema)) body: StartServerBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.runtime.start(id, body ?? { capabilities: [] }, caller);
  }

  @Post(':id/stop')
  @HttpCode(200)
  stop(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(stopServerBodySchema)) body: StopServerBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.runtime.stop(id, body?.reason, caller);
  }

  @Get(':id/decisions')
  decisionsOf(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(serverDecisionsQuerySchema)) query: ServerDecisionsQuery,
  ) {
    return this.decisions.listForServer(id, query);
  }

  @Get(':id/logs')
  async logs(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(serverLogsQuerySchema)) query: ServerLogsQuery,
    @Res() reply: LogReply,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    const follow = query.follow === 'true';
    // A resumed stream names the time of the last line it got; anything else is not a resume point.
    const since =
      follow && lastEventId && logTimestampNs(lastEventId) !== undefined ? lastEventId : undefined;
    const logs = await this.runtime.logs(id, { tail: query.tail, follow, since });
    await streamLogs(reply, id, logs, follow, since);
  }
}

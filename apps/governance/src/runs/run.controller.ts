// /api/governance/workflows/:id/runs and /api/governance/runs: starting, reading and transitioning workflow runs.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  governanceRunsQuerySchema,
  startWorkflowRunBodySchema,
  transitionRunBodySchema,
  type GovernanceRunsQuery,
  type StartWorkflowRunBody,
  type TransitionRunBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { RunService } from './run.service';

@Controller('api/governance')
export class RunController {
  constructor(private readonly runs: RunService) {}

  @Post('workflows/:id/runs')
  start(
    @Param('id', new UuidParamPipe('workflow')) workflowId: string,
    @Body(new ZodValidationPipe(startWorkflowRunBodySchema)) body: StartWorkflowRunBody,
    @Headers('x-mcp-host-subject') actor?: string,
  ) {
    return this.runs.start(workflowId, body, actor || null);
  }

  @Get('runs')
  list(@Query(new ZodValidationPipe(governanceRunsQuerySchema)) query: GovernanceRunsQuery) {
    return this.runs.list(query);
  }

  @Get('runs/:id')
  get(@Param('id', new UuidParamPipe('run')) id: string) {
    return this.runs.get(id);
  }

  @Post('runs/:id/status')
  @HttpCode(200)
  transition(
    @Param('id', new UuidParamPipe('run')) id: string,
    @Body(new ZodValidationPipe(transitionRunBodySchema)) body: TransitionRunBody,
    @Headers('x-mcp-host-subject') actor?: string,
  ) {
    return this.runs.transition(id, body, actor || null);
  }
}

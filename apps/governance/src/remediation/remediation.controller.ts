// /api/remediation: playbooks, runs (enqueue, list, read, approve or reject) and the artifacts a run stored.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  approveRemediationBodySchema,
  enqueueRemediationBodySchema,
  remediationRunsQuerySchema,
  type ApproveRemediationBody,
  type EnqueueRemediationBody,
  type RemediationRunsQuery,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { RemediationService } from './remediation.service';

const uuid = new UuidParamPipe('remediation run');

@Controller('api/remediation')
export class RemediationController {
  constructor(private readonly remediation: RemediationService) {}

  @Get('playbooks')
  playbooks() {
    return this.remediation.playbooks();
  }

  @Get('runs')
  list(@Query(new ZodValidationPipe(remediationRunsQuerySchema)) q: RemediationRunsQuery) {
    return this.remediation.list(q);
  }

  @Post('runs')
  @HttpCode(201)
  enqueue(
    @Body(new ZodValidationPipe(enqueueRemediationBodySchema)) body: EnqueueRemediationBody,
    @Headers('x-mcp-host-subject') actor?: string,
  ) {
    return this.remediation.enqueue(body, actor ?? null);
  }

  @Get('runs/:id')
  get(@Param('id', uuid) id: string) {
    return this.remediation.get(id);
  }

  @Post('runs/:id/approve')
  @HttpCode(200)
  approve(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(approveRemediationBodySchema)) body: ApproveRemediationBody,
    @Headers('x-mcp-host-subject') actor?: string,
  ) {
    return this.remediation.approve(id, body, actor ?? null);
  }

  @Get('runs/:id/artifacts')
  artifacts(@Param('id', uuid) id: string) {
    return this.remediation.artifacts(id);
  }
}

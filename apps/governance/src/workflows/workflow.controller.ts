// /api/governance/workflows: governance workflow definitions.
import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import {
  createWorkflowRequestSchema,
  workflowListQuerySchema,
  type CreateWorkflowRequest,
  type WorkflowListQuery,
} from './workflow.dto';
import { WorkflowService } from './workflow.service';

const uuid = new UuidParamPipe('workflow');

@Controller('api/governance/workflows')
export class WorkflowController {
  constructor(private readonly workflows: WorkflowService) {}

  @Post()
  create(
    @Body(new ZodValidationPipe(createWorkflowRequestSchema)) body: CreateWorkflowRequest,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.workflows.create(body, caller || undefined);
  }

  @Get()
  list(@Query(new ZodValidationPipe(workflowListQuerySchema)) query: WorkflowListQuery) {
    return this.workflows.list(query);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.workflows.get(id);
  }
}

// /api/governance/workflows: governance workflow definitions.
import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiException, ZodValidationPipe } from '@mcp-host/platform';
import {
  createWorkflowRequestSchema,
  workflowListQuerySchema,
  type CreateWorkflowRequest,
  type WorkflowListQuery,
} from './workflow.dto';
import { WorkflowService } from './workflow.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ApiException(400, 'INVALID_ID', 'The workflow id must be a UUID.'),
});

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

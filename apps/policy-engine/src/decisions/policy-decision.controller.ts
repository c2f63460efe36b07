// /api/policy/decisions: the runtime policy decision audit log (the SSE stream is the gateway's, from the topic).
import { Controller, Get, Param, Query } from '@nestjs/common';
import { decisionListQuerySchema, type DecisionListQuery } from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { PolicyDecisionService } from './policy-decision.service';

@Controller('api/policy/decisions')
export class PolicyDecisionController {
  constructor(private readonly decisions: PolicyDecisionService) {}

  @Get()
  list(@Query(new ZodValidationPipe(decisionListQuerySchema)) query: DecisionListQuery) {
    return this.decisions.list(query);
  }

  @Get(':id')
  get(@Param('id', new UuidParamPipe('decision')) id: string) {
    return this.decisions.get(id);
  }
}

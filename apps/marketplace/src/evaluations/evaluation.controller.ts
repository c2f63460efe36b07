// /api/artifacts/:id/evaluations, /api/evaluations and /api/evaluations/requirements: the certification REST surface.
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  evaluationListQuerySchema,
  retryEvaluationBodySchema,
  setTierRequirementsBodySchema,
  text,
  upsertEvaluationBodySchema,
  type EvaluationListQuery,
  type RetryEvaluationBody,
  type SetTierRequirementsBody,
  type UpsertEvaluationBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { EvaluationErrorCode, EvaluationException } from './evaluation.exception';
import { EvaluationService } from './evaluation.service';
import { TierRequirementService } from './tier-requirement.service';

const artifactId = new UuidParamPipe('artifact run');
const evaluationId = new UuidParamPipe('evaluation');
const artifactListQuery = evaluationListQuerySchema.omit({ artifact_run_id: true });
const tierName = text('name').regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);

const tierParam = {
  transform(value: unknown): string {
    const parsed = tierName.safeParse(value);
    if (!parsed.success)
      throw new EvaluationException(
        EvaluationErrorCode.INVALID_TIER,
        'The tier must be a tier name such as gold.',
      );
    return parsed.data;
  },
};

@Controller('api/artifacts/:id/evaluations')
export class ArtifactEvaluationController {
  constructor(private readonly evaluations: EvaluationService) {}

  @Get()
  list(
    @Param('id', artifactId) id: string,
    @Query(new ZodValidationPipe(artifactListQuery)) query: EvaluationListQuery,
  ) {
    return this.evaluations.listForArtifact(id, query);
  }

  @Post()
  @HttpCode(200)
  upsert(
    @Param('id', artifactId) id: string,
    @Body(new ZodValidationPipe(upsertEvaluationBodySchema)) body: UpsertEvaluationBody,
  ) {
    return this.evaluations.upsert(id, body);
  }
}

@Controller('api/evaluations')
export class EvaluationController {
  constructor(
    private readonly evaluations: EvaluationService,
    private readonly requirements: TierRequirementService,
  ) {}

  @Get()
  list(@Query(new ZodValidationPipe(evaluationListQuerySchema)) query: EvaluationListQuery) {
    return this.evaluations.list(query);
  }

  @Get('requirements')
  listRequirements() {
    return this.requirements.list();
  }

  @Get('requirements/:tier')
  getRequirements(@Param('tier', tierParam) tier: string) {
    return this.requirements.get(tier);
  }

  @Put('requirements/:tier')
  setRequirements(
    @Param('tier', tierParam) tier: string,
    @Body(new ZodValidationPipe(setTierRequirementsBodySchema)) body: SetTierRequirementsBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.requirements.put(tier, body, caller);
  }

  @Get(':id')
  get(@Param('id', evaluationId) id: string) {
    return this.evaluations.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(
    @Param('id', evaluationId) id: string,
    @Body(new ZodValidationPipe(retryEvaluationBodySchema)) body: RetryEvaluationBody,
  ) {
    return this.evaluations.retry(id, body.version);
  }
}

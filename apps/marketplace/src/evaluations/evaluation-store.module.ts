// The certification and tier-requirement repositories, shared by the evaluations feature and catalog grading.
import { Module } from '@nestjs/common';
import { EvaluationRepository } from './evaluation.repository';
import { TierRequirementRepository } from './tier-requirement.repository';

@Module({
  providers: [EvaluationRepository, TierRequirementRepository],
  exports: [EvaluationRepository, TierRequirementRepository],
})
export class EvaluationStoreModule {}

// Evaluation certifications and tier requirements: REST, the pending certifications of new runs, expiry announcements.
import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { EvaluationArtifactProjection } from './evaluation-artifact.projection';
import { EvaluationResultProjection } from './evaluation-result.projection';
import { ArtifactEvaluationController, EvaluationController } from './evaluation.controller';
import { EvaluationExpirySweeper } from './evaluation-expiry.sweeper';
import { EvaluationService } from './evaluation.service';
import { EvaluationStoreModule } from './evaluation-store.module';
import { TierRequirementService } from './tier-requirement.service';
import { RemediationEvaluationConsumer } from './remediation-evaluation.consumer';

@Module({
  imports: [CatalogModule, EvaluationStoreModule],
  controllers: [ArtifactEvaluationController, EvaluationController],
  providers: [
    EvaluationService,
    TierRequirementService,
    EvaluationExpirySweeper,
    EvaluationArtifactProjection,
    RemediationEvaluationConsumer,
    EvaluationResultProjection,
  ],
})
export class EvaluationsModule {}

// The remediation feature: quarantine acts through the trust registry, rollback through the promotions rollback,
// webhook by a signed POST; the other executors' answers arrive as remediation.action.completed.
import { Module } from '@nestjs/common';
import { PromotionsModule } from '../promotions/promotions.module';
import { TrustModule } from '../trust/trust.module';
import { RemediationCompletionProjection } from './remediation-completion.projection';
import { RemediationController } from './remediation.controller';
import { RemediationRepository } from './remediation.repository';
import { RemediationService } from './remediation.service';

@Module({
  imports: [TrustModule, PromotionsModule],
  controllers: [RemediationController],
  providers: [RemediationRepository, RemediationService, RemediationCompletionProjection],
  exports: [RemediationService],
})
export class RemediationModule {}

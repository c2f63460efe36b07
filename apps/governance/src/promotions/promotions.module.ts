// Release-train promotions: tracks, promotions and their approvals, blocks and rollbacks, driven by run outcomes.
import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { RunsModule } from '../runs/runs.module';
import { WorkflowsModule } from '../workflows/workflows.module';
import { PromotionController } from './promotion.controller';
import { PromotionRunProjection } from './promotion.projection';
import { PromotionRepository } from './promotion.repository';
import { PromotionService } from './promotion.service';
import { TrackRepository } from './track.repository';
import { TrackService } from './track.service';

@Module({
  imports: [WorkflowsModule, RunsModule, LedgerModule],
  controllers: [PromotionController],
  providers: [PromotionRepository, TrackRepository, PromotionService, TrackService, PromotionRunProjection],
  exports: [PromotionService],
})
export class PromotionsModule {}

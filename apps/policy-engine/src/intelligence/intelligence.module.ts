// The capability intelligence feature: signal projections, the anomaly rule and the read endpoint.
import { Module } from '@nestjs/common';
import { IntelligenceController } from './intelligence.controller';
import { IntelligenceProjection } from './intelligence.projection';
import { IntelligenceRepository } from './intelligence.repository';
import { IntelligenceService } from './intelligence.service';

@Module({
  controllers: [IntelligenceController],
  providers: [IntelligenceRepository, IntelligenceProjection, IntelligenceService],
})
export class IntelligenceModule {}

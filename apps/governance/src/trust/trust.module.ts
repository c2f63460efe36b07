// The trust registry feature.
import { Module } from '@nestjs/common';
import { TrustController } from './trust.controller';
import { TrustProjection } from './trust.projection';
import { TrustRepository } from './trust.repository';
import { TrustService } from './trust.service';

@Module({
  controllers: [TrustController],
  providers: [TrustRepository, TrustService, TrustProjection],
  exports: [TrustService],
})
export class TrustModule {}

// The lifecycle console feature: the snapshot projection, its list and the deltas it publishes.
import { Module } from '@nestjs/common';
import { LifecycleController } from './lifecycle.controller';
import { LifecycleProjection } from './lifecycle.projection';
import { LifecycleRepository } from './lifecycle.repository';
import { LifecycleService } from './lifecycle.service';

@Module({
  controllers: [LifecycleController],
  providers: [LifecycleRepository, LifecycleService, LifecycleProjection],
  exports: [LifecycleService],
})
export class LifecycleModule {}

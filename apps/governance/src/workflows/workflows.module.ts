// The governance workflows feature: reusable workflow definitions per tier.
import { Module } from '@nestjs/common';
import { WorkflowController } from './workflow.controller';
import { WorkflowRepository } from './workflow.repository';
import { WorkflowService } from './workflow.service';

@Module({
  controllers: [WorkflowController],
  providers: [WorkflowRepository, WorkflowService],
  exports: [WorkflowRepository],
})
export class WorkflowsModule {}

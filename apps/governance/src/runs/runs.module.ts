// Governance workflow runs: step rows, the state machine, the audit log and the completion event.
import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module';
import { RunController } from './run.controller';
import { RunRepository } from './run.repository';
import { RunService } from './run.service';

@Module({
  imports: [WorkflowsModule],
  controllers: [RunController],
  providers: [RunRepository, RunService],
  exports: [RunService, RunRepository],
})
export class RunsModule {}

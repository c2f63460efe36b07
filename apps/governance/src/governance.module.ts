// The governance service's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  type Env,
  ServerProjectionModule,
  serverProjectionEntities,
  serverProjectionMigrations,
} from '@mcp-host/platform';
import { CreateGovernanceWorkflows1763900001000 } from './migrations/1763900001000-create-governance-workflows';
import { GovernanceWorkflowEntity, GovernanceWorkflowStepEntity } from './workflows/workflow.entity';
import { WorkflowsModule } from './workflows/workflows.module';

export const governanceDefinition = {
  service: 'governance',
  dbSchema: 'governance',
  entities: [...serverProjectionEntities, GovernanceWorkflowEntity, GovernanceWorkflowStepEntity],
  migrations: [...serverProjectionMigrations, CreateGovernanceWorkflows1763900001000],
};

@Module({})
export class GovernanceModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: GovernanceModule,
      imports: [
        PlatformModule.forRoot({ ...governanceDefinition, env: opts.env }),
        ServerProjectionModule,
        WorkflowsModule,
      ],
    };
  }
}

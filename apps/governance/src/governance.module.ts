// The governance service's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env } from '@mcp-host/platform';
import { CreateServerProjection1763900000000 } from './migrations/1763900000000-create-server-projection';
import { CreateGovernanceWorkflows1763900001000 } from './migrations/1763900001000-create-governance-workflows';
import { ProjectedServerEntity, ServerTombstoneEntity } from './servers/server.entity';
import { ServersModule } from './servers/servers.module';
import { GovernanceWorkflowEntity, GovernanceWorkflowStepEntity } from './workflows/workflow.entity';
import { WorkflowsModule } from './workflows/workflows.module';

export const governanceDefinition = {
  service: 'governance',
  dbSchema: 'governance',
  entities: [
    ProjectedServerEntity,
    ServerTombstoneEntity,
    GovernanceWorkflowEntity,
    GovernanceWorkflowStepEntity,
  ],
  migrations: [CreateServerProjection1763900000000, CreateGovernanceWorkflows1763900001000],
};

@Module({})
export class GovernanceModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: GovernanceModule,
      imports: [
        PlatformModule.forRoot({ ...governanceDefinition, env: opts.env }),
        ServersModule,
        WorkflowsModule,
      ],
    };
  }
}

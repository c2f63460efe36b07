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
import { CreateGovernanceRunsAndPromotions1763900002000 } from './migrations/1763900002000-create-governance-runs-and-promotions';
import { LedgerModule } from './ledger/ledger.module';
import { PromotionsModule } from './promotions/promotions.module';
import { RunsModule } from './runs/runs.module';
import { GovernanceWorkflowEntity, GovernanceWorkflowStepEntity } from './workflows/workflow.entity';
import { WorkflowsModule } from './workflows/workflows.module';
import { CreateTrustRegistry1765200001000 } from './migrations/1765200001000-create-trust-registry';
import { trustConfigShape } from './trust/trust.config';
import { TrustModule } from './trust/trust.module';
import { CreateRemediation1765200002000 } from './migrations/1765200002000-create-remediation';
import { remediationConfigShape } from './remediation/remediation.config';
import { RemediationModule } from './remediation/remediation.module';
import { CreateLifecycleSnapshots1765400001000 } from './migrations/1765400001000-create-lifecycle-snapshots';
import { AddLifecycleListRow1765400002000 } from './migrations/1765400002000-add-lifecycle-list-row';
import { LifecycleModule } from './lifecycle/lifecycle.module';

export const governanceDefinition = {
  service: 'governance',
  dbSchema: 'governance',
  entities: [...serverProjectionEntities, GovernanceWorkflowEntity, GovernanceWorkflowStepEntity],
  migrations: [
    ...serverProjectionMigrations,
    CreateGovernanceWorkflows1763900001000,
    CreateGovernanceRunsAndPromotions1763900002000,
    CreateTrustRegistry1765200001000,
    CreateRemediation1765200002000,
    CreateLifecycleSnapshots1765400001000,
    AddLifecycleListRow1765400002000,
  ],
  configShape: { ...trustConfigShape, ...remediationConfigShape },
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
        RunsModule,
        LedgerModule,
        PromotionsModule,
        TrustModule,
        RemediationModule,
        // Last: its handlers run after the projections it reads (server, ledger) within one event.
        LifecycleModule,
      ],
    };
  }
}

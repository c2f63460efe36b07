// The runtime feature: policy decisions, the projections they read, the orchestrator and its executors.
import { Module } from '@nestjs/common';
import { PolicyDecisionController } from '../decisions/policy-decision.controller';
import { PolicyDecisionRepository } from '../decisions/policy-decision.repository';
import { PolicyDecisionService } from '../decisions/policy-decision.service';
import { RuntimePolicyEngine } from '../decisions/runtime-policy-engine';
import { PolicyFactsProjection } from '../projections/policy-facts.projection';
import { PolicyFactsRepository } from '../projections/policy-facts.repository';
import { ServerLaunchLock } from '../servers/server-launch.lock';
import { ServerRepository } from '../servers/server.repository';
import { ExecutorRegistry } from './executor-registry';
import { McpHealthChecker } from './mcp-health.checker';
import { RuntimeAssignmentRepository } from './runtime-assignment.repository';
import { RuntimeOrchestrator } from './runtime-orchestrator';
import { ServerRuntimeController } from './server-runtime.controller';
import { ServerRuntimeService } from './server-runtime.service';
import { ServerStatusWriter } from './server-status.writer';
import { ProviderKeysModule } from '../provider-keys/provider-keys.module';

@Module({
  imports: [ProviderKeysModule],
  controllers: [ServerRuntimeController, PolicyDecisionController],
  providers: [
    ServerRepository,
    PolicyFactsRepository,
    PolicyFactsProjection,
    PolicyDecisionRepository,
    PolicyDecisionService,
    RuntimePolicyEngine,
    ExecutorRegistry,
    McpHealthChecker,
    RuntimeAssignmentRepository,
    RuntimeOrchestrator,
    ServerStatusWriter,
    ServerRuntimeService,
    ServerLaunchLock,
  ],
  exports: [RuntimePolicyEngine, RuntimeOrchestrator, ExecutorRegistry],
})
export class RuntimeModule {}

// The policy engine's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env, type PlatformModuleOptions } from '@mcp-host/platform';
import { ServerEntity } from './servers/server.entity';
import { ServersModule } from './servers/servers.module';
import { CreateServers1763900000000 } from './migrations/1763900000000-create-servers';
import { AddServerStatusReason1763900002000 } from './migrations/1763900002000-add-server-status-reason';
import { CreateRuntimePolicy1764600000000 } from './migrations/1764600000000-create-runtime-policy';
import { RuntimeModule } from './runtime/runtime.module';
import { runtimeConfigShape } from './runtime/runtime.config';
import { CreateRuntimeVm1765200000000 } from './migrations/1765200000000-create-runtime-vm';
import { VmModule } from './vm/vm.module';
import { vmConfigShape } from './vm/vm.config';
import { ProviderKeysModule } from './provider-keys/provider-keys.module';
import { providerKeysConfigShape } from './provider-keys/provider-keys.config';
import { CreateProviderKeys1765100000000 } from './migrations/1765100000000-create-provider-keys';
import { CreateServerIntelligence1765100001000 } from './migrations/1765100001000-create-server-intelligence';
import { IntelligenceModule } from './intelligence/intelligence.module';
import { CreateServerKnownTools1765100002000 } from './migrations/1765100002000-create-server-known-tools';
import { ServerConfigModule } from './server-config/server-config.module';
import { CreateGrants1765300000000 } from './migrations/1765300000000-create-grants';
import { GrantsModule } from './grants/grants.module';
import { CreateAgentSessions1765500000000 } from './migrations/1765500000000-create-agent-sessions';
import { SessionsModule } from './sessions/sessions.module';
import { CreateToolManifests1765400100000 } from './migrations/1765400100000-create-tool-manifests';
import { ToolsModule } from './tools/tools.module';
import { toolsConfigShape } from './tools/tools.config';
import { ConformanceModule } from './conformance/conformance.module';
import { conformanceConfigShape } from './conformance/conformance.config';
import { RemediationModule } from './remediation/remediation.module';

export const policyEngineDefinition = {
  service: 'policy-engine',
  dbSchema: 'policy_engine',
  entities: [ServerEntity],
  migrations: [
    CreateServers1763900000000,
    AddServerStatusReason1763900002000,
    CreateRuntimePolicy1764600000000,
    CreateProviderKeys1765100000000,
    CreateServerIntelligence1765100001000,
    CreateServerKnownTools1765100002000,
    CreateRuntimeVm1765200000000,
    CreateGrants1765300000000,
    CreateAgentSessions1765500000000,
    CreateToolManifests1765400100000,
  ],
  configShape: {
    ...runtimeConfigShape,
    ...providerKeysConfigShape,
    ...vmConfigShape,
    ...toolsConfigShape,
    ...conformanceConfigShape,
  },
};

@Module({})
export class PolicyEngineModule {
  static forRoot(
    opts: { env?: Env; logDestination?: PlatformModuleOptions['logDestination'] } = {},
  ): DynamicModule {
    return {
      module: PolicyEngineModule,
      imports: [
        PlatformModule.forRoot({
          ...policyEngineDefinition,
          env: opts.env,
          logDestination: opts.logDestination,
        }),
        ServersModule,
        RuntimeModule,
        ProviderKeysModule,
        IntelligenceModule,
        ServerConfigModule,
        VmModule,
        GrantsModule,
        SessionsModule,
        ToolsModule,
        ConformanceModule,
        RemediationModule,
      ],
    };
  }
}

// The policy engine's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env } from '@mcp-host/platform';
import { ServerEntity } from './servers/server.entity';
import { ServersModule } from './servers/servers.module';
import { CreateServers1763900000000 } from './migrations/1763900000000-create-servers';
import { AddServerStatusReason1763900002000 } from './migrations/1763900002000-add-server-status-reason';

export const policyEngineDefinition = {
  service: 'policy-engine',
  dbSchema: 'policy_engine',
  entities: [ServerEntity],
  migrations: [CreateServers1763900000000, AddServerStatusReason1763900002000],
};

@Module({})
export class PolicyEngineModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: PolicyEngineModule,
      imports: [PlatformModule.forRoot({ ...policyEngineDefinition, env: opts.env }), ServersModule],
    };
  }
}

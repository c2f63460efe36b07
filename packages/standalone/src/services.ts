// The five services the host can run, each as its root module and its migration definition.
import type { DynamicModule } from '@nestjs/common';
import type { Env, PlatformModuleOptions } from '@mcp-host/platform';
import type { ServiceName } from '@mcp-host/contracts';
import { BuildServiceModule, buildServiceDefinition } from '@mcp-host/build-service';
import { GatewayModule, gatewayDefinition } from '@mcp-host/gateway';
import { GovernanceModule, governanceDefinition } from '@mcp-host/governance';
import { MarketplaceModule, marketplaceDefinition } from '@mcp-host/marketplace';
import { PolicyEngineModule, policyEngineDefinition } from '@mcp-host/policy-engine';

export type MigrationDefinition = Pick<
  PlatformModuleOptions,
  'service' | 'dbSchema' | 'entities' | 'migrations'
>;

export interface HostedService {
  name: ServiceName;
  module(env: Env): DynamicModule;
  definition: MigrationDefinition;
  /** The gateway variable that points at this service, and the port it uses when it runs on its own. */
  upstreamVariable?: string;
  defaultPort: number;
}

export const HOSTED_SERVICES: readonly HostedService[] = [
  {
    name: 'build-service',
    module: (env) => BuildServiceModule.forRoot({ env }),
    definition: buildServiceDefinition,
    upstreamVariable: 'GATEWAY_UPSTREAM_BUILD_SERVICE',
    defaultPort: 3001,
  },
  {
    name: 'policy-engine',
    module: (env) => PolicyEngineModule.forRoot({ env }),
    definition: policyEngineDefinition,
    upstreamVariable: 'GATEWAY_UPSTREAM_POLICY_ENGINE',
    defaultPort: 3002,
  },
  {
    name: 'governance',
    module: (env) => GovernanceModule.forRoot({ env }),
    definition: governanceDefinition,
    upstreamVariable: 'GATEWAY_UPSTREAM_GOVERNANCE',
    defaultPort: 3003,
  },
  {
    name: 'marketplace',
    module: (env) => MarketplaceModule.forRoot({ env }),
    definition: marketplaceDefinition,
    upstreamVariable: 'GATEWAY_UPSTREAM_MARKETPLACE',
    defaultPort: 3004,
  },
  {
    name: 'gateway',
    module: (env) => GatewayModule.forRoot({ env }),
    definition: gatewayDefinition,
    defaultPort: 3000,
  },
];

export const SERVICE_NAMES_IN_START_ORDER = HOSTED_SERVICES.map((s) => s.name);

export function hostedService(name: string): HostedService | undefined {
  return HOSTED_SERVICES.find((s) => s.name === name);
}

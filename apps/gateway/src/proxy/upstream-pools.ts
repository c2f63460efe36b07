// One keep-alive undici pool per upstream service, built from the config and closed with the app.
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { ServiceName } from '@mcp-host/contracts';
import { Pool } from 'undici';
import type { GatewayConfig } from '../gateway.config';

export type UpstreamName = Exclude<ServiceName, 'gateway'>;
export const UPSTREAM_NAMES: readonly UpstreamName[] = [
  'build-service',
  'policy-engine',
  'governance',
  'marketplace',
];

export function upstreamUrlOf(config: GatewayConfig, service: UpstreamName): string {
  switch (service) {
    case 'build-service':
      return config.GATEWAY_UPSTREAM_BUILD_SERVICE;
    case 'policy-engine':
      return config.GATEWAY_UPSTREAM_POLICY_ENGINE;
    case 'governance':
      return config.GATEWAY_UPSTREAM_GOVERNANCE;
    case 'marketplace':
      return config.GATEWAY_UPSTREAM_MARKETPLACE;
    default: {
      const never: never = service;
      throw new Error(`unknown upstream ${String(never)}`);
    }
  }
}

@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly pools = new Map<UpstreamName, Pool>();

  constructor(@InjectConfig() private readonly config: GatewayConfig) {}

  get(service: UpstreamName): Pool {
    let pool = this.pools.get(service);
    if (!pool) {
      pool = new Pool(new URL(upstreamUrlOf(this.config, service)).origin, {
        connections: 128,
        keepAliveTimeout: 30_000,
        connectTimeout: 5_000,
      });
      this.pools.set(service, pool);
    }
    return pool;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

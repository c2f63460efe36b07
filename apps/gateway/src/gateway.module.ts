// The gateway's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env } from '@mcp-host/platform';
import { ApiRouter } from './api/api-router';
import { OidcVerifier } from './auth/oidc-verifier.service';
import { RateLimiter } from './limits/rate-limiter.service';
import { StreamHub } from './streams/stream-hub.service';
import { gatewayConfigShape } from './gateway.config';
import { CreateApiTokens1763900100000 } from './migrations/1763900100000-create-api-tokens';
import { ProxyService } from './proxy/proxy.service';
import { UpstreamPools } from './proxy/upstream-pools';
import { StatusService } from './status/status.service';
import { AdminTokenBootstrap } from './tokens/admin-token.bootstrap';
import { TokenRepository } from './tokens/token.repository';
import { TokenService } from './tokens/token.service';

export const gatewayDefinition = {
  service: 'gateway',
  dbSchema: 'gateway',
  entities: [],
  migrations: [CreateApiTokens1763900100000],
};

@Module({})
export class GatewayModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot({
          ...gatewayDefinition,
          configShape: gatewayConfigShape,
          env: opts.env,
        }),
      ],
      providers: [
        TokenRepository,
        OidcVerifier,
        TokenService,
        RateLimiter,
        StreamHub,
        AdminTokenBootstrap,
        UpstreamPools,
        ProxyService,
        StatusService,
        ApiRouter,
      ],
      exports: [TokenService, AdminTokenBootstrap],
    };
  }
}

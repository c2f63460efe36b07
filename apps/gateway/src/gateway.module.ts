// The gateway's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env } from '@mcp-host/platform';
import { ApiRouter } from './api/api-router';
import { OidcVerifier } from './auth/oidc-verifier.service';
import { RateLimiter } from './limits/rate-limiter.service';
import { StreamHub } from './streams/stream-hub.service';
import { gatewayConfigShape } from './gateway.config';
import { DeadLetterCollector } from './dead-letters/dead-letter.collector';
import { DeadLetterRepository } from './dead-letters/dead-letter.repository';
import { DeadLetterService } from './dead-letters/dead-letter.service';
import { CreateApiTokens1763900100000 } from './migrations/1763900100000-create-api-tokens';
import { CreateDeadLetters1764600000000 } from './migrations/1764600000000-create-dead-letters';
import { ProxyService } from './proxy/proxy.service';
import { UpstreamPools } from './proxy/upstream-pools';
import { StatusService } from './status/status.service';
import { AdminTokenBootstrap } from './tokens/admin-token.bootstrap';
import { TokenRepository } from './tokens/token.repository';
import { TokenService } from './tokens/token.service';
import { TokenHandlers } from './tokens/token.handlers';
import { McpEndpointReader } from './mcp/mcp-endpoint.reader';
import { MetricsAccessHook } from './ops/metrics-access.hook';
import { Authenticator } from './auth/authenticator.service';
import { StatusHandlers } from './status/status.handlers';
import { DeadLetterHandlers } from './dead-letters/dead-letter.handlers';
import { AuditHandlers } from './audit/audit.handlers';
import { CreateMcpTables1765100000000 } from './migrations/1765100000000-create-mcp-tables';
import { CreateMcpGrants1765100001000 } from './migrations/1765100001000-create-mcp-grants';
import { McpGrantProjection } from './mcp/mcp-grant.projection';
import { McpPolicyService } from './mcp/mcp-policy.service';
import { McpDoorService } from './mcp/mcp-door.service';
import { McpEndpointProjection } from './mcp/mcp-endpoint.projection';
import { McpEndpointRepository, McpGrantRepository } from './mcp/mcp-endpoint.repository';
import { McpRouter } from './mcp/mcp.router';
import { CreateMcpToolCalls1765300000000 } from './migrations/1765300000000-create-mcp-tool-calls';
import { AuditRecorder } from './audit/audit-recorder.service';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { CreateMcpToolDrift1765300001000 } from './migrations/1765300001000-create-mcp-tool-drift';
import { McpDriftProjection } from './mcp/mcp-drift.projection';
import { McpDriftRepository } from './mcp/mcp-drift.repository';
import { CreateMcpAgentSessions1765500000000 } from './migrations/1765500000000-create-mcp-agent-sessions';
import {
  McpAgentSessionProjection,
  McpAgentSessionRepository,
  McpAgentSessions,
} from './mcp/mcp-session.projection';

export const gatewayDefinition = {
  service: 'gateway',
  dbSchema: 'gateway',
  // The one public door: it sends the internal token to the services rather than asking its callers for it.
  publicDoor: true,
  entities: [],
  migrations: [
    CreateApiTokens1763900100000,
    CreateDeadLetters1764600000000,
    CreateMcpTables1765100000000,
    CreateMcpGrants1765100001000,
    CreateMcpToolCalls1765300000000,
    CreateMcpToolDrift1765300001000,
    CreateMcpAgentSessions1765500000000,
  ],
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
        TokenHandlers,
        Authenticator,
        RateLimiter,
        StreamHub,
        AdminTokenBootstrap,
        UpstreamPools,
        ProxyService,
        StatusService,
        StatusHandlers,
        DeadLetterRepository,
        DeadLetterService,
        DeadLetterHandlers,
        DeadLetterCollector,
        ApiRouter,
        McpEndpointRepository,
        McpEndpointReader,
        McpEndpointProjection,
        McpGrantRepository,
        McpAgentSessionRepository,
        McpAgentSessions,
        McpAgentSessionProjection,
        McpPolicyService,
        McpGrantProjection,
        McpDoorService,
        McpRouter,
        AuditRepository,
        AuditRecorder,
        AuditService,
        AuditHandlers,
        McpDriftRepository,
        McpDriftProjection,
        MetricsAccessHook,
      ],
      exports: [TokenService, AdminTokenBootstrap],
    };
  }
}

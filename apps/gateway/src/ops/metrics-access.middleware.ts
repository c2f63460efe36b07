// Who may read the gateway's /metrics (GATEWAY_METRICS_ACCESS). The gateway's listener is public, and its metrics
// name routes, upstreams and traffic levels: by default a scrape needs an operator's bearer token, as Prometheus can
// send with `authorization.credentials_file`. The services' /metrics stay open: only the gateway reaches them.
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectConfig, toApiException } from '@mcp-host/platform';
import { roleSatisfies } from '@mcp-host/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../gateway.config';
import { Authenticator } from '../auth/authenticator.service';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

@Injectable()
export class MetricsAccessMiddleware implements NestMiddleware {
  constructor(
    private readonly authenticator: Authenticator,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  async use(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): Promise<void> {
    try {
      await this.check(req);
      next();
    } catch (err) {
      const api = toApiException(err);
      res.writeHead(api.status, { 'content-type': 'application/json', ...(api.headers ?? {}) });
      res.end(JSON.stringify(api.toBody()));
    }
  }

  private async check(req: IncomingMessage): Promise<void> {
    switch (this.config.GATEWAY_METRICS_ACCESS) {
      case 'open':
        return;
      case 'off':
        throw new GatewayException(GatewayErrorCode.ROUTE_NOT_FOUND, 'No route GET /metrics.');
      case 'token': {
        const caller = await this.authenticator.authenticate(
          req.headers.authorization,
          req.socket.remoteAddress ?? 'unknown',
        );
        if (!roleSatisfies(caller.role, 'operator')) {
          throw new GatewayException(
            GatewayErrorCode.FORBIDDEN,
            `/metrics needs the operator role; this token has ${caller.role}.`,
          );
        }
        return;
      }
      default: {
        const never: never = this.config.GATEWAY_METRICS_ACCESS;
        throw new Error(`unknown GATEWAY_METRICS_ACCESS ${String(never)}`);
      }
    }
  }
}

// Who may read the gateway's /metrics (GATEWAY_METRICS_ACCESS). The gateway's listener is public, and its metrics
// name routes, upstreams and traffic levels: by default a scrape needs an operator's bearer token, as Prometheus can
// send with `authorization.credentials_file`. The services' /metrics stay open: only the gateway reaches them.
// A Fastify onRequest hook that returns at once for every other URL: a Nest middleware would put middie's path
// matching and request decoration in front of every request the gateway serves.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectConfig, toApiException } from '@mcp-host/platform';
import { roleSatisfies } from '@mcp-host/contracts';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../gateway.config';
import { Authenticator } from '../auth/authenticator.service';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

@Injectable()
export class MetricsAccessHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.GATEWAY_METRICS_ACCESS === 'open') return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (req, reply, done) => {
      // The route the router matched (GET or its HEAD twin), however the URL was spelt.
      if (req.routeOptions.url !== '/metrics') {
        done();
        return;
      }
      this.check(req.headers.authorization, req.ip).then(
        () => done(),
        (err: unknown) => {
          const api = toApiException(err);
          void reply
            .code(api.status)
            .headers({ 'content-type': 'application/json', ...(api.headers ?? {}) })
            .send(api.toBody());
        },
      );
    });
  }

  private async check(authorization: string | undefined, address: string): Promise<void> {
    switch (this.config.GATEWAY_METRICS_ACCESS) {
      case 'open':
        return;
      case 'off':
        throw new GatewayException(GatewayErrorCode.ROUTE_NOT_FOUND, 'No route GET /metrics.');
      case 'token': {
        const caller = await this.authenticator.authenticate(authorization, address);
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

// The only door to /api: checks the path, authenticates, finds the route, enforces its role, then answers or forwards.
// One raw Fastify route handles every /api request, so no path can skip authentication and bodies stream untouched.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiException, InjectConfig, InjectLogger, toApiException } from '@mcp-host/platform';
import { allowedMethods, matchRoute, roleSatisfies, ROUTES } from '@mcp-host/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';
import { AuditHandlers } from '../audit/audit.handlers';
import { Authenticator } from '../auth/authenticator.service';
import { DeadLetterHandlers } from '../dead-letters/dead-letter.handlers';
import { RateLimiter } from '../limits/rate-limiter.service';
import { ProxyService } from '../proxy/proxy.service';
import { StatusHandlers } from '../status/status.handlers';
import { StreamHub } from '../streams/stream-hub.service';
import { TokenHandlers } from '../tokens/token.handlers';
import { isUnsafePath } from './request-path';
import { RequestDeadline } from './request-deadline';
import { LOCAL_BODY_LIMIT_BYTES } from './read-json-body';
import { LOCAL_HANDLERS, type LocalHandler, type LocalRouteKey } from './local-route';
import { assertRoutesGuarded } from './route-guard';

export { LOCAL_HANDLERS } from './local-route';

const METHODS: ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS')[] = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
];

/**
 * Lets a refused body drain so the client reads the answer instead of a reset; a body far over the limit is not
 * worth receiving, so the connection closes after the answer instead.
 */
function discardBody(req: FastifyRequest, reply: FastifyReply, declared: number, limit: number): void {
  if (declared <= 16 * limit) {
    req.raw.resume();
  } else {
    void reply.header('connection', 'close');
  }
}

@Injectable()
export class ApiRouter implements OnModuleInit {
  /** One handler per local route; the type makes a route without a handler a compile error. */
  private readonly handlers: Readonly<Record<LocalRouteKey, LocalHandler>>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly proxy: ProxyService,
    private readonly streams: StreamHub,
    private readonly limiter: RateLimiter,
    tokens: TokenHandlers,
    deadLetters: DeadLetterHandlers,
    audit: AuditHandlers,
    status: StatusHandlers,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.handlers = { ...tokens.routes, ...deadLetters.routes, ...audit.routes, ...status.routes };
  }

  onModuleInit(): void {
    assertRoutesGuarded(LOCAL_HANDLERS);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (api) => {
      // Leave bodies unread: forwarded ones stream to the upstream, the gateway's own are read on demand.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', (_req, _payload, done) => done(null));
      // One Fastify route per declared path, so metrics carry the route table's path; every one of them, and the
      // catch-all, goes through the same checks in `handle`.
      const paths = new Set(['/api', '/api/*', ...ROUTES.map((r) => r.path)]);
      for (const url of paths) {
        api.route({ method: METHODS, url, handler: (req, reply) => this.handle(req, reply) });
      }
    });
  }

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const deadline = new RequestDeadline(this.config.GATEWAY_REQUEST_TIMEOUT_MS);
    try {
      await deadline.race(this.dispatch(req, reply, deadline));
    } catch (err) {
      const api = toApiException(err);
      // 4xx and ApiExceptions are answers (upstream failures are logged where they happen); anything else is a bug.
      if (!(err instanceof ApiException) && api.status >= 500) this.logger.error({ err }, 'request failed');
      if (reply.sent || reply.raw.headersSent) return;
      if (api.headers) void reply.headers(api.headers);
      await reply.code(api.status).header('content-type', 'application/json').send(api.toBody());
    }
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply, deadline: RequestDeadline): Promise<void> {
    const url = req.raw.url ?? req.url;
    if (isUnsafePath(url)) {
      throw new GatewayException(
        GatewayErrorCode.INVALID_PATH,
        'The path may not contain dot segments or encoded slashes.',
      );
    }
    const caller = await this.authenticator.authenticate(req.headers.authorization, req.ip);
    await this.limiter.consume(caller.tokenId);
    const matched = matchRoute(req.method, url);
    if (!matched) {
      const allow = allowedMethods(url);
      if (allow.length > 0) {
        void reply.header('allow', allow.join(', '));
        throw new GatewayException(
          GatewayErrorCode.METHOD_NOT_ALLOWED,
          `${req.method} is not allowed here; use ${allow.join(', ')}.`,
        );
      }
      throw new GatewayException(
        GatewayErrorCode.ROUTE_NOT_FOUND,
        `No API route ${req.method} ${url.split('?')[0]}.`,
      );
    }
    const { route, params } = matched;
    if (!roleSatisfies(caller.role, route.role)) {
      throw new GatewayException(
        GatewayErrorCode.FORBIDDEN,
        `${route.method} ${route.path} needs the ${route.role} role; this token has ${caller.role}.`,
      );
    }
    if (route.stream) {
      deadline.disarm();
      return this.streams.serve(route, params, req, reply, caller);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (route.service === 'gateway') {
      // The gateway's own bodies are small: a larger declared length is refused before any of it is read.
      if (declared > LOCAL_BODY_LIMIT_BYTES) {
        discardBody(req, reply, declared, LOCAL_BODY_LIMIT_BYTES);
        throw new GatewayException(
          GatewayErrorCode.PAYLOAD_TOO_LARGE,
          `The body may not exceed ${LOCAL_BODY_LIMIT_BYTES} bytes on ${route.path}.`,
        );
      }
      const handler = this.handlers[`${route.method} ${route.path}` as LocalRouteKey] as
        LocalHandler | undefined;
      // assertRoutesGuarded refuses to start when ROUTES declares a gateway route without a handler.
      if (!handler) throw new GatewayException(GatewayErrorCode.NO_HANDLER, `No handler for ${route.path}.`);
      const answer = await handler({ params, caller, req });
      // The deadline may have answered 503 meanwhile.
      if (reply.sent || reply.raw.headersSent) return;
      if (answer.headers) void reply.headers(answer.headers);
      await reply.code(answer.status ?? 200).send(answer.body);
      return;
    }
    // Forwarding has its own bounds (GATEWAY_UPSTREAM_TIMEOUT_MS per answer and per body chunk).
    deadline.disarm();
    if (declared > this.config.HTTP_BODY_LIMIT_BYTES) {
      discardBody(req, reply, declared, this.config.HTTP_BODY_LIMIT_BYTES);
      throw new GatewayException(
        GatewayErrorCode.PAYLOAD_TOO_LARGE,
        `The body may not exceed ${this.config.HTTP_BODY_LIMIT_BYTES} bytes (HTTP_BODY_LIMIT_BYTES).`,
      );
    }
    const result = await this.proxy.forward(req, reply, route.service, caller);
    if (!result.ok) {
      if (result.error.status === 413) discardBody(req, reply, Infinity, this.config.HTTP_BODY_LIMIT_BYTES);
      throw result.error;
    }
  }
}

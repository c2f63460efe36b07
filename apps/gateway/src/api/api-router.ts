// The only door to /api: checks the path, authenticates, finds the route, enforces its role, then answers or forwards.
// One raw Fastify route handles every /api request, so no path can skip authentication and bodies stream untouched.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiException, InjectConfig, InjectLogger, toApiException } from '@mcp-host/platform';
import {
  allowedMethods,
  createTokenBodySchema,
  matchRoute,
  roleSatisfies,
  ROUTES,
  tokenListQuerySchema,
  type RouteDefinition,
} from '@mcp-host/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { apiDocs, wantsHtml } from '../docs/api-docs';
import { RateLimitedException, RateLimiter } from '../limits/rate-limiter.service';
import { ProxyService } from '../proxy/proxy.service';
import { StatusService } from '../status/status.service';
import { StreamHub } from '../streams/stream-hub.service';
import type { Caller } from '../tokens/token.entity';
import { TokenService } from '../tokens/token.service';
import { isUnsafePath } from './request-path';
import { readJsonBody } from './read-json-body';
import { assertRoutesGuarded } from './route-guard';

/** The routes the gateway answers itself; any other gateway route in ROUTES fails the start. */
export const LOCAL_HANDLERS = [
  'GET /api/status',
  'GET /api/docs',
  'GET /api/tokens/me',
  'GET /api/tokens',
  'POST /api/tokens',
  'DELETE /api/tokens/:id',
] as const;
type LocalHandler = (typeof LOCAL_HANDLERS)[number];

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
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly proxy: ProxyService,
    private readonly status: StatusService,
    private readonly streams: StreamHub,
    private readonly limiter: RateLimiter,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

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
    try {
      await this.dispatch(req, reply);
    } catch (err) {
      const api = toApiException(err);
      // ApiExceptions are answers (upstream failures are logged where they happen); anything else is a bug.
      if (!(err instanceof ApiException)) this.logger.error({ err }, 'request failed');
      if (reply.sent || reply.raw.headersSent) return;
      if (err instanceof RateLimitedException) void reply.header('retry-after', String(err.retryAfterS));
      await reply.code(api.status).header('content-type', 'application/json').send(api.toBody());
    }
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = req.raw.url ?? req.url;
    if (isUnsafePath(url)) {
      throw new ApiException(
        400,
        'INVALID_PATH',
        'The path may not contain dot segments or encoded slashes.',
      );
    }
    const caller = await this.tokens.authenticate(req.headers.authorization);
    await this.limiter.consume(caller.tokenId);
    const matched = matchRoute(req.method, url);
    if (!matched) {
      const allow = allowedMethods(url);
      if (allow.length > 0) {
        void reply.header('allow', allow.join(', '));
        throw new ApiException(
          405,
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed here; use ${allow.join(', ')}.`,
        );
      }
      throw new ApiException(404, 'ROUTE_NOT_FOUND', `No API route ${req.method} ${url.split('?')[0]}.`);
    }
    const { route, params } = matched;
    if (!roleSatisfies(caller.role, route.role)) {
      throw new ApiException(
        403,
        'FORBIDDEN',
        `${route.method} ${route.path} needs the ${route.role} role; this token has ${caller.role}.`,
      );
    }
    if (route.stream) return this.streams.serve(route, params, req, reply);
    if (route.service === 'gateway') return this.local(route, params, caller, req, reply);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.config.HTTP_BODY_LIMIT_BYTES) {
      discardBody(req, reply, declared, this.config.HTTP_BODY_LIMIT_BYTES);
      throw new ApiException(
        413,
        'PAYLOAD_TOO_LARGE',
        `The body may not exceed ${this.config.HTTP_BODY_LIMIT_BYTES} bytes (HTTP_BODY_LIMIT_BYTES).`,
      );
    }
    const result = await this.proxy.forward(req, reply, route.service, caller);
    if (!result.ok) {
      if (result.error.status === 413) discardBody(req, reply, Infinity, this.config.HTTP_BODY_LIMIT_BYTES);
      throw result.error;
    }
  }

  private async local(
    route: RouteDefinition,
    params: Record<string, string>,
    caller: Caller,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const key = `${route.method} ${route.path}` as LocalHandler;
    switch (key) {
      case 'GET /api/docs': {
        const docs = apiDocs();
        const html = wantsHtml(
          req.headers.accept,
          (req.query as Record<string, unknown> | undefined)?.format,
        );
        await reply
          .header('content-type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8')
          .header('vary', 'accept')
          .send(html ? docs.html : docs.json);
        return;
      }
      case 'GET /api/status':
        await reply.send(await this.status.report());
        return;
      case 'GET /api/tokens/me':
        await reply.send({
          id: caller.tokenId,
          name: caller.name,
          subject: caller.subject,
          role: caller.role,
        });
        return;
      case 'GET /api/tokens':
        await reply.send(await this.tokens.list(tokenListQuerySchema.parse(req.query ?? {})));
        return;
      case 'POST /api/tokens': {
        const body = createTokenBodySchema.parse(await readJsonBody(req, 64 * 1024));
        await reply.code(201).send(await this.tokens.create(body, caller));
        return;
      }
      case 'DELETE /api/tokens/:id': {
        const id = params.id ?? '';
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
          throw new ApiException(400, 'INVALID_ID', 'The token id must be a UUID.');
        }
        await this.tokens.revoke(id, caller);
        await reply.code(204).send();
        return;
      }
      default: {
        // assertRoutesGuarded refuses to start when ROUTES declares a gateway route without a handler here.
        const never: never = key;
        throw new ApiException(500, 'NO_HANDLER', `No handler for ${String(never)}.`);
      }
    }
  }
}

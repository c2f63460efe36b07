// The only door to /api: checks the path, authenticates, finds the route, enforces its role, then answers or forwards.
// One raw Fastify route handles every /api request, so no path can skip authentication and bodies stream untouched.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiException, InjectConfig, InjectLogger, UuidParamPipe, toApiException } from '@mcp-host/platform';
import {
  allowedMethods,
  auditListQuerySchema,
  deadLetterListQuerySchema,
  redriveDeadLettersBodySchema,
  matchRoute,
  roleSatisfies,
  ROUTES,
  tokenListQuerySchema,
  type RouteDefinition,
} from '@mcp-host/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { AuditService } from '../audit/audit.service';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { apiDocs, wantsHtml } from '../docs/api-docs';
import { RateLimitedException, RateLimiter } from '../limits/rate-limiter.service';
import { ProxyService } from '../proxy/proxy.service';
import { StatusService } from '../status/status.service';
import { StreamHub } from '../streams/stream-hub.service';
import type { Caller } from '../tokens/token.entity';
import { parseCreateTokenBody } from '../tokens/token-input';
import { TokenService } from '../tokens/token.service';
import { isUnsafePath } from './request-path';
import { RequestDeadline } from './request-deadline';
import { LOCAL_BODY_LIMIT_BYTES, readJsonBody } from './read-json-body';
import { assertRoutesGuarded } from './route-guard';

/** The routes the gateway answers itself; any other gateway route in ROUTES fails the start. */
export const LOCAL_HANDLERS = [
  'GET /api/status',
  'GET /api/docs',
  'GET /api/tokens/me',
  'GET /api/tokens',
  'POST /api/tokens',
  'DELETE /api/tokens/:id',
  'GET /api/admin/dead-letters',
  'POST /api/admin/dead-letters/redrive',
  'GET /api/audit',
] as const;
type LocalHandler = (typeof LOCAL_HANDLERS)[number];

/** What a local route answers; sent by the router unless the request deadline answered first. */
interface LocalAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

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
    private readonly deadLetters: DeadLetterService,
    private readonly audit: AuditService,
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
    const deadline = new RequestDeadline(this.config.GATEWAY_REQUEST_TIMEOUT_MS);
    try {
      await deadline.race(this.dispatch(req, reply, deadline));
    } catch (err) {
      const api = toApiException(err);
      // 4xx and ApiExceptions are answers (upstream failures are logged where they happen); anything else is a bug.
      if (!(err instanceof ApiException) && api.status >= 500) this.logger.error({ err }, 'request failed');
      if (reply.sent || reply.raw.headersSent) return;
      if (err instanceof RateLimitedException) void reply.header('retry-after', String(err.retryAfterS));
      if (api.headers) void reply.headers(api.headers);
      await reply.code(api.status).header('content-type', 'application/json').send(api.toBody());
    }
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply, deadline: RequestDeadline): Promise<void> {
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
    if (route.stream) {
      deadline.disarm();
      return this.streams.serve(route, params, req, reply, caller);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (route.service === 'gateway') {
      // The gateway's own bodies are small: a larger declared length is refused before any of it is read.
      if (declared > LOCAL_BODY_LIMIT_BYTES) {
        discardBody(req, reply, declared, LOCAL_BODY_LIMIT_BYTES);
        throw new ApiException(
          413,
          'PAYLOAD_TOO_LARGE',
          `The body may not exceed ${LOCAL_BODY_LIMIT_BYTES} bytes on ${route.path}.`,
        );
      }
      const answer = await this.local(route, params, caller, req);
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
  ): Promise<LocalAnswer> {
    const key = `${route.method} ${route.path}` as LocalHandler;
    switch (key) {
      case 'GET /api/docs': {
        const docs = apiDocs();
        const html = wantsHtml(
          req.headers.accept,
          (req.query as Record<string, unknown> | undefined)?.format,
        );
        return {
          headers: {
            'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
            vary: 'accept',
          },
          body: html ? docs.html : docs.json,
        };
      }
      case 'GET /api/status':
        return { body: await this.status.report() };
      case 'GET /api/tokens/me':
        return { body: this.tokens.self(caller) };
      case 'GET /api/tokens':
        return { body: await this.tokens.list(tokenListQuerySchema.parse(req.query ?? {})) };
      case 'POST /api/tokens': {
        const body = parseCreateTokenBody(await readJsonBody(req, LOCAL_BODY_LIMIT_BYTES));
        return { status: 201, body: await this.tokens.create(body, caller) };
      }
      case 'DELETE /api/tokens/:id': {
        const id = new UuidParamPipe('token').transform(params.id);
        await this.tokens.revoke(id, caller);
        return { status: 204 };
      }
      case 'GET /api/admin/dead-letters':
        return { body: await this.deadLetters.list(deadLetterListQuerySchema.parse(req.query ?? {})) };
      case 'POST /api/admin/dead-letters/redrive': {
        const body = redriveDeadLettersBodySchema.parse(await readJsonBody(req, LOCAL_BODY_LIMIT_BYTES));
        return { body: await this.deadLetters.redrive(body) };
      }
      case 'GET /api/audit':
        return { body: await this.audit.list(auditListQuerySchema.parse(req.query ?? {})) };
      default: {
        // assertRoutesGuarded refuses to start when ROUTES declares a gateway route without a handler here.
        const never: never = key;
        throw new ApiException(500, 'NO_HANDLER', `No handler for ${String(never)}.`);
      }
    }
  }
}

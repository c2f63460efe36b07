// Registers the MCP door on the gateway's HTTP server: /mcp/:server (POST, GET stream, DELETE) and its RFC 9728
// protected-resource metadata. Bodies stay unread until the door has authenticated the caller.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiException, InjectLogger, toApiException } from '@mcp-host/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { McpDoorService } from './mcp-door.service';

@Injectable()
export class McpRouter implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly door: McpDoorService,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (mcp) => {
      mcp.removeAllContentTypeParsers();
      mcp.addContentTypeParser('*', (_req, _payload, done) => done(null));
      mcp.route({
        method: ['GET', 'POST', 'DELETE'],
        url: '/mcp/:server',
        handler: (req, reply) => this.handle(req, reply),
      });
      mcp.route({
        method: ['PUT', 'PATCH', 'OPTIONS'],
        url: '/mcp/:server',
        handler: (_req, reply) =>
          reply
            .code(405)
            .header('allow', 'GET, POST, DELETE')
            .send(
              new ApiException(
                405,
                'METHOD_NOT_ALLOWED',
                'Use GET, POST or DELETE on /mcp/:server.',
              ).toBody(),
            ),
      });
      mcp.get('/.well-known/oauth-protected-resource/mcp/:server', (req, reply) =>
        reply
          .header('cache-control', 'public, max-age=300')
          .send(this.door.metadata(req, (req.params as { server: string }).server)),
      );
    });
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      await this.door.serve(req, reply, (req.params as { server: string }).server);
    } catch (err) {
      const api = toApiException(err);
      // A client that went away mid-request (an agent cancelling, a load test stopping) is not a gateway fault.
      const clientGone = req.raw.destroyed || reply.raw.destroyed;
      if (!(err instanceof ApiException) && api.status >= 500) {
        if (clientGone) this.logger.debug({ err: (err as Error).message }, 'MCP request ended by the client');
        else this.logger.error({ err }, 'MCP request failed');
      }
      if (reply.sent || reply.raw.headersSent) return;
      req.raw.resume();
      if (api.headers) void reply.headers(api.headers);
      await reply.code(api.status).header('content-type', 'application/json').send(api.toBody());
    }
  }
}

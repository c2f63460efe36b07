// Forwards one authorised request to the service that owns it, streaming the body both ways.
import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Transform } from 'node:stream';
import { IDENTITY_HEADER, INTERNAL_TOKEN_HEADER, encodeIdentityValue } from '@mcp-host/contracts';
import {
  ApiException,
  InjectConfig,
  InjectInternalAuth,
  InjectLogger,
  outgoingTraceparent,
  type InternalAuth,
} from '@mcp-host/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../gateway.config';
import type { Caller } from '../tokens/token.entity';
import { clientHeaders, endToEndHeaders } from './hop-headers';
import { upstreamErrorToApi } from './upstream-error';
import { UpstreamPools, type UpstreamName } from './upstream-pools';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

/** Answers up to this size (with a Content-Length) are buffered instead of streamed. */
const SMALL_BODY_BYTES = 64 * 1024;

export class BodyTooLargeError extends Error {}

/** Passes a streamed body through, failing once it grows past `limit` bytes. */
function limitedBody(limit: number): { stream: Transform; exceeded: () => boolean } {
  let seen = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new BodyTooLargeError(`body larger than ${limit} bytes`));
      else done(null, chunk);
    },
  });
  return { stream, exceeded: () => seen > limit };
}

export type ProxyResult = { ok: true } | { ok: false; error: ApiException };

@Injectable()
export class ProxyService {
  constructor(
    private readonly pools: UpstreamPools,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    @InjectInternalAuth() private readonly internalAuth: InternalAuth,
  ) {}

  private tooLarge(): ApiException {
    return new GatewayException(
      GatewayErrorCode.PAYLOAD_TOO_LARGE,
      `The body may not exceed ${this.config.HTTP_BODY_LIMIT_BYTES} bytes (HTTP_BODY_LIMIT_BYTES).`,
    );
  }

  async forward(
    req: FastifyRequest,
    reply: FastifyReply,
    service: UpstreamName,
    caller: Caller,
  ): Promise<ProxyResult> {
    const headers = clientHeaders(req.headers);
    // Header values are Latin-1 on the wire: the subject (any Unicode) and token id travel percent-encoded, and the
    // kit decodes them before a service's controller reads them.
    headers[IDENTITY_HEADER.subject] = encodeIdentityValue(caller.subject);
    headers[IDENTITY_HEADER.role] = caller.role;
    headers[IDENTITY_HEADER.tokenId] = encodeIdentityValue(caller.tokenId);
    if (this.internalAuth.token !== undefined) headers[INTERNAL_TOKEN_HEADER] = this.internalAuth.token;
    headers['x-request-id'] = req.id;
    headers['traceparent'] = outgoingTraceparent();
    headers['x-forwarded-for'] = req.ip;
    headers['x-forwarded-proto'] = req.protocol;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;

    const hasBody =
      req.headers['content-length'] !== undefined
        ? req.headers['content-length'] !== '0'
        : req.headers['transfer-encoding'] !== undefined;
    // A declared length was checked by the router; a chunked body is counted as it streams.
    const limited = limitedBody(this.config.HTTP_BODY_LIMIT_BYTES);
    const body = !hasBody
      ? undefined
      : req.headers['content-length'] !== undefined
        ? req.raw
        : req.raw.pipe(limited.stream);

    // A client that goes away cancels its upstream call instead of leaving it to run out.
    // undici takes an EventEmitter as the signal: much cheaper to make per request than an AbortController.
    const abort = new EventEmitter();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.emit('abort');
    };
    reply.raw.once('close', onClose);

    let res: Dispatcher.ResponseData;
    try {
      res = await this.pools.get(service).request({
        method: req.method,
        path: req.raw.url ?? req.url,
        headers,
        body,
        headersTimeout: this.config.GATEWAY_UPSTREAM_TIMEOUT_MS,
        bodyTimeout: this.config.GATEWAY_UPSTREAM_TIMEOUT_MS,
        signal: abort,
      });
    } catch (err) {
      reply.raw.off('close', onClose);
      if (
        err instanceof BodyTooLargeError ||
        (err as { cause?: unknown }).cause instanceof BodyTooLargeError
      ) {
        return {
          ok: false,
          error: new GatewayException(
            GatewayErrorCode.PAYLOAD_TOO_LARGE,
            `The body may not exceed ${this.config.HTTP_BODY_LIMIT_BYTES} bytes (HTTP_BODY_LIMIT_BYTES).`,
          ),
        };
      }
      const error = upstreamErrorToApi(service, err);
      this.logger.warn(
        { upstream: service, status: error.status, err: (err as Error).message },
        'upstream call failed',
      );
      return { ok: false, error };
    }

    if (limited.exceeded()) {
      res.body.destroy();
      return { ok: false, error: this.tooLarge() };
    }
    res.body.once('error', (err: Error) => {
      this.logger.warn({ upstream: service, err: err.message }, 'upstream response body broke off');
    });
    void reply.code(res.statusCode).headers(endToEndHeaders(res.headers, new Set(['x-request-id'])));
    const length = Number(res.headers['content-length'] ?? NaN);
    if (length >= 0 && length <= SMALL_BODY_BYTES) {
      // A small answer of known length is read whole and written once: cheaper than piping a stream.
      let body: Buffer;
      try {
        body = Buffer.from(await res.body.arrayBuffer());
      } catch (err) {
        reply.raw.off('close', onClose);
        return { ok: false, error: upstreamErrorToApi(service, err) };
      }
      reply.raw.off('close', onClose);
      await reply.send(body);
      return { ok: true };
    }
    await reply.send(res.body);
    return { ok: true };
  }
}

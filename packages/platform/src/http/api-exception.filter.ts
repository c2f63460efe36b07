// Maps every thrown error to the API error shape, so clients never see a framework's own error format.
import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { ApiException, CommonErrorCode, commonError } from './api.exception';
import { classifyDatabaseError } from '../database/database-errors';

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function zodIssuesMessage(err: ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

export function toApiException(err: unknown): ApiException {
  if (err instanceof ApiException) return err;
  if (err instanceof ZodError)
    return new ApiException(400, 'VALIDATION_FAILED', zodIssuesMessage(err), err.issues);
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message =
      typeof res === 'object' && res && 'message' in res
        ? String((res as { message: unknown }).message)
        : err.message;
    return new ApiException(status, STATUS_CODES[status] ?? `HTTP_${status}`, message);
  }
  // Fastify's own errors (body too large, bad JSON, wrong content type) carry a statusCode.
  const e = err as { statusCode?: unknown; message?: unknown; code?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiException(
      e.statusCode,
      STATUS_CODES[e.statusCode] ?? `HTTP_${e.statusCode}`,
      String(e.message),
    );
  }
  const kind = classifyDatabaseError(err);
  if (kind === 'bad_input')
    return commonError(
      CommonErrorCode.VALIDATION_FAILED,
      'A value in the request cannot be stored (out of range or an invalid character).',
    );
  if (kind === 'busy')
    return commonError(CommonErrorCode.SERVICE_BUSY, 'The service is busy; retry shortly.', {
      retryAfterSeconds: 1,
    });
  if (kind === 'unavailable')
    return commonError(
      CommonErrorCode.DEPENDENCY_UNAVAILABLE,
      'The database is unavailable; retry shortly.',
      {
        retryAfterSeconds: 5,
      },
    );
  return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL', 'An internal error occurred.');
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const api = toApiException(err);
    if (api.status >= 500 && api.status !== 503) this.logger.error({ err }, 'request failed');
    else if (api.status === 503)
      this.logger.warn({ err: (err as Error)?.message, code: api.code }, 'request refused');
    if (reply.sent || reply.raw.headersSent) return;
    if (api.headers) void reply.headers(api.headers);
    void reply.status(api.status).header('content-type', 'application/json').send(api.toBody());
  }
}

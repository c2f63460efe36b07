// Bounds the time a request may spend inside a service (HTTP_REQUEST_TIMEOUT_MS): past it the caller gets
// 503 SERVICE_BUSY with Retry-After instead of waiting on a stuck dependency. Streaming routes opt out.
import {
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TimeoutError, catchError, throwError, timeout, type Observable } from 'rxjs';
import { CommonErrorCode, commonError } from './api.exception';

const NO_TIMEOUT = 'mcp-host:no-request-timeout';

/** Marks a handler (a long-lived stream) that the request timeout must not cut. */
export const NoRequestTimeout = (): MethodDecorator => SetMetadata(NO_TIMEOUT, true);

@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly timeoutMs: number,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<boolean | undefined>(NO_TIMEOUT, ctx.getHandler())) return next.handle();
    return next.handle().pipe(
      timeout({ first: this.timeoutMs }),
      catchError((err: unknown) =>
        throwError(() =>
          err instanceof TimeoutError
            ? commonError(
                CommonErrorCode.SERVICE_BUSY,
                `The request took longer than ${this.timeoutMs} ms; retry shortly.`,
                { retryAfterSeconds: 1 },
              )
            : err,
        ),
      ),
    );
  }
}

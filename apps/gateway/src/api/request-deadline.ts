// An overall bound on a request the gateway answers itself: past it the client gets 503 SERVICE_BUSY with Retry-After
// instead of waiting, whatever the request was waiting for (the database, a lock, a slow body).
import { CommonErrorCode, commonError, type ApiException } from '@mcp-host/platform';

export class RequestDeadline {
  private timer?: NodeJS.Timeout;
  private armed = true;

  constructor(private readonly ms: number) {}

  /** Settles with `work`, or rejects with 503 SERVICE_BUSY once the deadline passes first (unless disarmed). */
  race<T>(work: Promise<T>): Promise<T> {
    // What the work does after the deadline answered is not a failure anyone waits for.
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      if (this.armed) this.timer = setTimeout(() => reject(this.expired()), this.ms);
      work.then(resolve, reject).finally(() => clearTimeout(this.timer));
    });
  }

  /** For answers with bounds of their own (forwarding, streams): the deadline no longer applies. */
  disarm(): void {
    this.armed = false;
    clearTimeout(this.timer);
  }

  private expired(): ApiException {
    return commonError(
      CommonErrorCode.SERVICE_BUSY,
      `The request was not answered within ${this.ms} ms (GATEWAY_REQUEST_TIMEOUT_MS); retry shortly.`,
      { retryAfterSeconds: 1 },
    );
  }
}

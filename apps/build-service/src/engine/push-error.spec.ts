import { classifyError, isTransient } from './push-error';

describe('classifyError', () => {
  it.each([
    ['failed to read from destination repository ns/h3: 500 (Internal Server Error)', 'http_5xx'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'http_5xx'],
    ['writing blob: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer', 'connection_reset'],
    ['Patch "http://r/v2/x/blobs/uploads/1": unexpected EOF', 'connection_reset'],
    ['push timed out after 600s', 'timeout'],
    ['context deadline exceeded', 'timeout'],
    ['dial tcp 127.0.0.1:9: connect: connection refused', 'io'],
    ['trying to reuse blob: authentication required', 'auth'],
    ['unauthorized: authentication required', 'auth'],
    ['denied: requested access to the resource is denied', 'denied'],
    ['something odd', 'unknown'],
  ])('when the error is "%s", then the kind is %s', (message, kind) => {
    expect(classifyError(message)).toBe(kind);
  });

  it('when a kind is a transport fault, then it is retried; auth and denials are not', () => {
    expect(['http_5xx', 'connection_reset', 'io', 'timeout'].every((k) => isTransient(k as never))).toBe(
      true,
    );
    expect(['auth', 'denied', 'not_found', 'unknown'].some((k) => isTransient(k as never))).toBe(false);
  });
});

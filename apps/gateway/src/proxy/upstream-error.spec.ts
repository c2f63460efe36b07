import { upstreamErrorToApi } from './upstream-error';

const withCode = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);

describe('upstreamErrorToApi', () => {
  it.each([
    [withCode('ECONNREFUSED'), 503, 'UPSTREAM_UNAVAILABLE'],
    [new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), 503, 'UPSTREAM_UNAVAILABLE'],
    [withCode('UND_ERR_HEADERS_TIMEOUT'), 504, 'UPSTREAM_TIMEOUT'],
    [withCode('UND_ERR_CONNECT_TIMEOUT'), 504, 'UPSTREAM_TIMEOUT'],
    [withCode('UND_ERR_SOCKET', { cause: withCode('ECONNRESET') }), 502, 'UPSTREAM_RESET'],
    [new Error('something else'), 502, 'UPSTREAM_ERROR'],
  ])('when the call fails with %p, then the answer is %i %s', (err, status, code) => {
    const api = upstreamErrorToApi('marketplace', err);
    expect([api.status, api.code]).toEqual([status, code]);
    expect(api.message).toContain('marketplace');
  });
});

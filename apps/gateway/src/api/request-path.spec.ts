import { isUnsafePath } from './request-path';

describe('isUnsafePath', () => {
  it.each([
    '/api/servers/..',
    '/api/servers/../tokens',
    '/api/./servers',
    '/api/%2e%2e/x',
    '/api/a%2Fb',
    '/api/a%5Cb',
    '/api/a\\b',
  ])('when the path is %s, then it is refused', (path) => expect(isUnsafePath(path)).toBe(true));

  it.each(['/api/servers', '/api/servers/abc.def', '/api/servers?q=..%2f', '/api/marketplace/x..y'])(
    'when the path is %s, then it passes',
    (path) => expect(isUnsafePath(path)).toBe(false),
  );
});

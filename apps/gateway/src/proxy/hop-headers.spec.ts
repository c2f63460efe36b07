import { endToEndHeaders } from './hop-headers';

describe('endToEndHeaders', () => {
  it('when headers hold hop-by-hop fields and fields named in Connection, then only end-to-end ones remain', () => {
    const out = endToEndHeaders(
      {
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'secret',
        te: 'trailers',
        trailer: 'x',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        'x-hop': 'dropped',
        'content-type': 'application/json',
        'x-request-id': 'r1',
      },
      new Set(['x-request-id']),
    );
    expect(out).toEqual({ 'content-type': 'application/json' });
  });
});

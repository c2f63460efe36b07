import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  const id = '6f1c2e0a-8d4b-4c1e-9a57-3b2f1d0c9e88';

  it('when a key with microseconds is encoded, then it decodes to the same key and id', () => {
    const key = '2026-11-23 07:17:51.985123+00';
    expect(decodeKeysetCursor(encodeKeysetCursor(key, id))).toEqual({ key, id });
  });

  it.each([
    'bogus',
    '',
    Buffer.from('not-a-date|x').toString('base64url'),
    encodeKeysetCursor('2026-01-01', 'nope'),
  ])('when the cursor is %p, then it is refused', (cursor) =>
    expect(decodeKeysetCursor(cursor)).toBeUndefined(),
  );
});

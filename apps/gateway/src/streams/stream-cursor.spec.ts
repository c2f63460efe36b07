import { decodeCursor, encodeCursor } from './stream-cursor';

describe('stream cursor', () => {
  it('when positions are encoded, then decoding gives every partition back', () => {
    const cursor = encodeCursor(
      new Map([
        [2, 7n],
        [0, 12345678901234n],
        [1, 0n],
      ]),
    );
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(cursor, 'base64url').toString()).toBe('0:12345678901234,1:0,2:7');
    expect(decodeCursor(cursor)).toEqual(
      new Map([
        [0, 12345678901234n],
        [1, 0n],
        [2, 7n],
      ]),
    );
  });

  it.each([
    '',
    'not base64!',
    Buffer.from('0:1,0:2').toString('base64url'),
    Buffer.from('a:1').toString('base64url'),
  ])('when the cursor is %p, then it is refused', (cursor) => expect(decodeCursor(cursor)).toBeUndefined());
});

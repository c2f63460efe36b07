import { crc32c } from './crc32c';

describe('crc32c', () => {
  it('when given the standard check input, then it yields the Castagnoli check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('when given a range of a buffer, then only that range is summed', () => {
    const padded = Buffer.concat([Buffer.from('xx'), Buffer.from('123456789'), Buffer.from('yyy')]);
    expect(crc32c(padded, 2, 11)).toBe(0xe3069283);
  });
});

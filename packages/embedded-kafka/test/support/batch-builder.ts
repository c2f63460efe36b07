// Builds record batches v2 byte by byte for unit tests of the log, independent of any client library.
import { crc32c } from '../../src/protocol/crc32c';

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

export interface BatchSpec {
  values: string[];
  timestamps?: number[];
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

export function buildBatch(spec: BatchSpec): Buffer {
  const timestamps = spec.timestamps ?? spec.values.map(() => 1_700_000_000_000);
  const base = timestamps[0];
  const records = spec.values.map((value, i) => {
    const v = Buffer.from(value);
    const body = Buffer.from([
      0,
      ...zigzag(timestamps[i] - base),
      ...zigzag(i),
      ...zigzag(-1),
      ...zigzag(v.length),
      ...v,
      ...zigzag(0),
    ]);
    return Buffer.concat([Buffer.from(zigzag(body.length)), body]);
  });
  const recordBytes = Buffer.concat(records);
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(0n, 0);
  header.writeInt32BE(61 - 12 + recordBytes.length, 8);
  header.writeInt32BE(0, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(0, 21);
  header.writeInt32BE(spec.values.length - 1, 23);
  header.writeBigInt64BE(BigInt(base), 27);
  header.writeBigInt64BE(BigInt(Math.max(...timestamps)), 35);
  header.writeBigInt64BE(BigInt(spec.producerId ?? -1), 43);
  header.writeInt16BE(spec.producerEpoch ?? -1, 51);
  header.writeInt32BE(spec.baseSequence ?? -1, 53);
  header.writeInt32BE(spec.values.length, 57);
  const batch = Buffer.concat([header, recordBytes]);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

// Record batch v2 header access: the broker validates and re-stamps batches without decoding their records.
import { gunzipSync } from 'node:zlib';
import { crc32c } from './crc32c';
import { Reader } from './reader';

export const BATCH_HEADER_SIZE = 61;
export const LOG_OVERHEAD = 12; // baseOffset + batchLength

const GZIP = 1;
const ZSTD = 4;

export const Batch = {
  baseOffset: 0,
  length: 8,
  leaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

export interface BatchInfo {
  readonly size: number;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
}

export type BatchCheck =
  { ok: true; info: BatchInfo } | { ok: false; reason: 'corrupt' | 'magic' | 'compression' };

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x100000000 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, v: number): void {
  buf.writeBigInt64BE(BigInt(v), at);
}

/** Validates the batch starting at `at` (length, magic, CRC) and returns its header fields. */
export function checkBatch(buf: Buffer, at: number, verifyCrc = true): BatchCheck {
  if (buf.length - at < BATCH_HEADER_SIZE) return { ok: false, reason: 'corrupt' };
  const batchLength = buf.readInt32BE(at + Batch.length);
  const size = batchLength + LOG_OVERHEAD;
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || at + size > buf.length)
    return { ok: false, reason: 'corrupt' };
  if (buf.readInt8(at + Batch.magic) !== 2) return { ok: false, reason: 'magic' };
  if (verifyCrc && crc32c(buf, at + Batch.attributes, at + size) !== buf.readUInt32BE(at + Batch.crc)) {
    return { ok: false, reason: 'corrupt' };
  }
  const attributes = buf.readInt16BE(at + Batch.attributes);
  // Records stay compressed as the producer sent them; the broker only needs to know the codec exists.
  if ((attributes & 0x7) > ZSTD) return { ok: false, reason: 'compression' };
  const info = headerInfo(buf, at);
  if (info.lastOffsetDelta < 0 || info.recordCount < 0) return { ok: false, reason: 'corrupt' };
  return { ok: true, info };
}

/** Header fields of the batch at `at`, trusting them (used where the batch was validated before). */
export function headerInfo(buf: Buffer, at: number): BatchInfo {
  const attributes = buf.readInt16BE(at + Batch.attributes);
  return {
    size: buf.readInt32BE(at + Batch.length) + LOG_OVERHEAD,
    lastOffsetDelta: buf.readInt32BE(at + Batch.lastOffsetDelta),
    maxTimestamp: readInt64(buf, at + Batch.maxTimestamp),
    producerId: readInt64(buf, at + Batch.producerId),
    producerEpoch: buf.readInt16BE(at + Batch.producerEpoch),
    baseSequence: buf.readInt32BE(at + Batch.baseSequence),
    recordCount: buf.readInt32BE(at + Batch.recordCount),
    isTransactional: (attributes & 0x10) !== 0,
    isControl: (attributes & 0x20) !== 0,
  };
}

/** Most bytes a gzip batch may inflate to for a timestamp lookup; a bigger one is answered at batch level. */
export const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

/**
 * The first record of one batch whose timestamp is >= `timestamp` (and offset >= `minOffset`), decoded only for
 * ListOffsets by timestamp. Node's zlib has no snappy, lz4 or zstd, so such a batch answers with its first offset
 * and newest timestamp: right to the batch, not the record. The record section is client input (it is stored
 * without decoding), so every count and length is checked against the bytes really there, and a batch that does
 * not decode is answered at batch level the same way, never with an error or an allocation it cannot back.
 */
export function recordAtOrAfter(
  batch: Buffer,
  timestamp: number,
  minOffset: number,
): { offset: number; timestamp: number } | null {
  const baseOffset = readInt64(batch, Batch.baseOffset);
  const whole = { offset: baseOffset, timestamp: readInt64(batch, Batch.maxTimestamp) };
  const batchLevel = whole.timestamp >= timestamp && baseOffset >= minOffset ? whole : null;
  const baseTimestamp = readInt64(batch, Batch.baseTimestamp);
  const codec = batch.readInt16BE(Batch.attributes) & 0x7;
  const count = batch.readInt32BE(Batch.recordCount);
  if (codec !== 0 && codec !== GZIP) return batchLevel;
  try {
    let body = batch.subarray(BATCH_HEADER_SIZE);
    if (codec === GZIP) body = gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
    // A record takes at least 7 bytes (length, attributes, three varints, two counts), so a larger count lies.
    if (count < 0 || count * 7 > body.length) return batchLevel;
    const r = new Reader(body);
    for (let i = 0; i < count; i++) {
      const length = r.varint();
      if (length < 1 || length > r.remaining()) return batchLevel;
      const end = r.offset + length;
      r.int8();
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      const offset = baseOffset + offsetDelta;
      const ts = baseTimestamp + timestampDelta;
      if (ts >= timestamp && offset >= minOffset) return { offset, timestamp: ts };
      r.offset = end;
    }
    return null;
  } catch {
    return batchLevel;
  }
}

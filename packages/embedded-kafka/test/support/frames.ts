// Raw request frames for tests that send what no client library would: bad sizes, huge counts, crafted batches.
import { crc32c } from '../../src/protocol/crc32c';

/** A request frame with a v1 header (null client id) around `body`, size prefix included. */
export function requestFrame(apiKey: number, apiVersion: number, body: Buffer, correlationId = 7): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(-1, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}

/** Just a size prefix, as a client would send before the frame it announces. */
export function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function kafkaString(s: string): Buffer {
  const v = Buffer.from(s);
  const b = Buffer.alloc(2);
  b.writeInt16BE(v.length);
  return Buffer.concat([b, v]);
}

/** Recomputes the CRC-32C of a record batch after its bytes were changed, so the broker accepts it. */
export function resealBatch(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** Produce v3 body (acks -1) carrying `records` to one partition of one topic. */
export function produceBody(topic: string, partition: number, records: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xff]), // null transactional id
    Buffer.from([0xff, 0xff]), // acks -1
    int32(5000),
    int32(1),
    kafkaString(topic),
    int32(1),
    int32(partition),
    int32(records.length),
    records,
  ]);
}

// Baseline server for the benchmark: answers ApiVersions, Metadata and Produce instantly without storing anything,
// so producing into it measures the kafkajs client's own ceiling on this machine.
import * as net from 'node:net';

const PRODUCE = 0;
const METADATA = 3;
const API_VERSIONS = 18;

export function frame(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 4, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

export function str(s: string): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(s));
  b.writeInt16BE(Buffer.byteLength(s), 0);
  b.write(s, 2);
  return b;
}

export function i16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}

export function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

export function i64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

function apiVersions(version: number): Buffer {
  const apis = [
    [PRODUCE, 3, 7],
    [METADATA, 1, 1],
    [API_VERSIONS, 0, 2],
  ];
  const parts = [i16(0), i32(apis.length), ...apis.flatMap(([k, min, max]) => [i16(k), i16(min), i16(max)])];
  if (version >= 1) parts.push(i32(0));
  return Buffer.concat(parts);
}

function metadata(body: Buffer, offset: number, port: number, partitions: number): Buffer {
  const n = body.readInt32BE(offset);
  const topics: string[] = [];
  let at = offset + 4;
  for (let i = 0; i < n; i++) {
    const len = body.readInt16BE(at);
    topics.push(body.toString('utf8', at + 2, at + 2 + len));
    at += 2 + len;
  }
  const parts: Buffer[] = [i32(1), i32(1), str('127.0.0.1'), i32(port), i16(-1), i32(1), i32(topics.length)];
  for (const t of topics) {
    parts.push(i16(0), str(t), Buffer.from([0]), i32(partitions));
    for (let p = 0; p < partitions; p++) parts.push(i16(0), i32(p), i32(1), i32(1), i32(1), i32(1), i32(1));
  }
  return Buffer.concat(parts);
}

/** Acknowledges every partition with offset 0 after walking the request structure (no record parsing). */
function produce(body: Buffer, offset: number, version: number): Buffer | null {
  let at = offset;
  const tx = body.readInt16BE(at);
  at += 2 + Math.max(tx, 0);
  const acks = body.readInt16BE(at);
  at += 6;
  const nTopics = body.readInt32BE(at);
  at += 4;
  const parts: Buffer[] = [i32(nTopics)];
  for (let t = 0; t < nTopics; t++) {
    const len = body.readInt16BE(at);
    parts.push(body.subarray(at, at + 2 + len));
    at += 2 + len;
    const nParts = body.readInt32BE(at);
    at += 4;
    parts.push(i32(nParts));
    for (let p = 0; p < nParts; p++) {
      const partition = body.readInt32BE(at);
      const size = body.readInt32BE(at + 4);
      at += 8 + Math.max(size, 0);
      parts.push(i32(partition), i16(0), i64(0), i64(-1));
      if (version >= 5) parts.push(i64(0));
    }
  }
  parts.push(i32(0));
  return acks === 0 ? null : Buffer.concat(parts);
}

export function startNullSink(port: number, partitions: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const req = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const apiKey = req.readInt16BE(0);
        const version = req.readInt16BE(2);
        const correlationId = req.readInt32BE(4);
        const clientIdLen = req.readInt16BE(8);
        const bodyAt = 10 + Math.max(clientIdLen, 0);
        const address = server.address() as net.AddressInfo;
        let body: Buffer | null;
        if (apiKey === API_VERSIONS) body = apiVersions(version);
        else if (apiKey === METADATA) body = metadata(req, bodyAt, address.port, partitions);
        else if (apiKey === PRODUCE) body = produce(req, bodyAt, version);
        else {
          socket.destroy();
          return;
        }
        if (body) socket.write(frame(correlationId, body));
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (require.main === module) {
  void startNullSink(0, Number(process.argv[2] ?? 4)).then((server) => {
    process.stdout.write(`127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
  });
}

// Baseline server for the consume benchmark: a fake one-broker cluster whose Fetch answers instantly with copies of
// one prebuilt record batch, so a kafkajs consumer reading from it measures the client's own ceiling.
import * as net from 'node:net';
import Long from 'kafkajs/src/utils/long';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0';
import { RecordBatch } from 'kafkajs/src/protocol/recordBatch/v0';
import { i16, i32, i64, str } from './null-sink';

const API = {
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
} as const;

/** One version per API keeps the encoders below small; kafkajs negotiates down to them. */
const VERSIONS: [number, number][] = [
  [API.Fetch, 4],
  [API.ListOffsets, 1],
  [API.Metadata, 1],
  [API.OffsetCommit, 2],
  [API.OffsetFetch, 1],
  [API.FindCoordinator, 0],
  [API.JoinGroup, 0],
  [API.Heartbeat, 0],
  [API.LeaveGroup, 0],
  [API.SyncGroup, 0],
];

class Cursor {
  constructor(
    private readonly b: Buffer,
    public at: number,
  ) {}
  i16(): number {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  i64(): number {
    const v = Number(this.b.readBigInt64BE(this.at));
    this.at += 8;
    return v;
  }
  str(): string {
    const n = this.i16();
    const s = n < 0 ? '' : this.b.toString('utf8', this.at, this.at + n);
    this.at += Math.max(n, 0);
    return s;
  }
  bytes(): Buffer {
    const n = this.i32();
    const v = this.b.subarray(this.at, this.at + Math.max(n, 0));
    this.at += Math.max(n, 0);
    return v;
  }
  array<T>(f: () => T): T[] {
    const n = this.i32();
    return Array.from({ length: Math.max(n, 0) }, f);
  }
}

const arr = <T>(items: T[], f: (t: T) => Buffer[]): Buffer[] => [i32(items.length), ...items.flatMap(f)];

export async function buildTemplateBatch(messages: number, bytes: number): Promise<Buffer> {
  const value = Buffer.alloc(bytes, 'x');
  const records = Array.from({ length: messages }, (_, i) =>
    Record({ offsetDelta: i, timestampDelta: 0, value }),
  );
  const batch = await RecordBatch({
    records,
    firstOffset: Long.fromInt(0),
    lastOffsetDelta: messages - 1,
    firstTimestamp: Date.now(),
    maxTimestamp: Date.now(),
  });
  return Buffer.from(batch.buffer as Buffer);
}

export function startNullSource(partitions: number, template: Buffer, perBatch: number): Promise<net.Server> {
  let assignment = Buffer.alloc(0);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const req = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const c = new Cursor(req, 0);
        const apiKey = c.i16();
        const version = c.i16();
        const correlationId = c.i32();
        c.str();
        const port = (server.address() as net.AddressInfo).port;
        let body: Buffer[];
        switch (apiKey) {
          case API.ApiVersions:
            body = [
              i16(0),
              ...arr([...VERSIONS, [API.ApiVersions, 2]], ([k, v]) => [i16(k), i16(v), i16(v)]),
            ];
            if (version >= 1) body.push(i32(0));
            break;
          case API.Metadata: {
            const topics = c.array(() => c.str());
            body = [i32(1), i32(1), str('127.0.0.1'), i32(port), i16(-1), i32(1)];
            body.push(
              ...arr(topics, (t) => [
                i16(0),
                str(t),
                Buffer.from([0]),
                ...arr(
                  Array.from({ length: partitions }, (_, p) => p),
                  (p) => [i16(0), i32(p), i32(1), i32(1), i32(1), i32(1), i32(1)],
                ),
              ]),
            );
            break;
          }
          case API.FindCoordinator:
            body = [i16(0), i32(1), str('127.0.0.1'), i32(port)];
            break;
          case API.JoinGroup: {
            c.str();
            c.i32();
            c.str();
            c.str();
            const protocols = c.array(() => ({ name: c.str(), metadata: c.bytes() }));
            const p = protocols[0];
            body = [
              i16(0),
              i32(1),
              str(p.name),
              str('m'),
              str('m'),
              i32(1),
              str('m'),
              i32(p.metadata.length),
              p.metadata,
            ];
            break;
          }
          case API.SyncGroup: {
            c.str();
            c.i32();
            c.str();
            const given = c.array(() => ({ member: c.str(), assignment: Buffer.from(c.bytes()) }));
            if (given.length > 0) assignment = given[0].assignment;
            body = [i16(0), i32(assignment.length), assignment];
            break;
          }
          case API.Heartbeat:
          case API.LeaveGroup:
            body = [i16(0)];
            break;
          case API.OffsetFetch: {
            c.str();
            const topics = c.array(() => ({ topic: c.str(), partitions: c.array(() => c.i32()) }));
            body = arr(topics, (t) => [
              str(t.topic),
              ...arr(t.partitions, (p) => [i32(p), i64(-1), str(''), i16(0)]),
            ]);
            break;
          }
          case API.OffsetCommit: {
            c.str();
            c.i32();
            c.str();
            c.i64();
            const topics = c.array(() => ({
              topic: c.str(),
              partitions: c.array(() => {
                const p = c.i32();
                c.i64();
                c.str();
                return p;
              }),
            }));
            body = arr(topics, (t) => [str(t.topic), ...arr(t.partitions, (p) => [i32(p), i16(0)])]);
            break;
          }
          case API.ListOffsets: {
            c.i32();
            const topics = c.array(() => ({
              topic: c.str(),
              partitions: c.array(() => {
                const p = c.i32();
                c.i64();
                return p;
              }),
            }));
            body = arr(topics, (t) => [
              str(t.topic),
              ...arr(t.partitions, (p) => [i32(p), i16(0), i64(-1), i64(0)]),
            ]);
            break;
          }
          case API.Fetch: {
            c.i32();
            c.i32();
            c.i32();
            c.i32();
            req.readInt8(c.at++);
            const topics = c.array(() => ({
              topic: c.str(),
              partitions: c.array(() => ({ partition: c.i32(), offset: c.i64(), maxBytes: c.i32() })),
            }));
            body = [i32(0)];
            body.push(
              ...arr(topics, (t) => [
                str(t.topic),
                ...arr(t.partitions, (p) => {
                  // Each batch is an 8-byte base offset plus the shared template by reference: nothing is copied.
                  const count = Math.max(1, Math.floor(p.maxBytes / template.length));
                  const pieces: Buffer[] = [];
                  for (let i = 0; i < count; i++)
                    pieces.push(i64(p.offset + i * perBatch), template.subarray(8));
                  const end = p.offset + count * perBatch;
                  return [
                    i32(p.partition),
                    i16(0),
                    i64(end),
                    i64(end),
                    i32(0),
                    i32(count * template.length),
                    ...pieces,
                  ];
                }),
              ]),
            );
            break;
          }
          default:
            socket.destroy();
            return;
        }
        const length = body.reduce((n, b) => n + b.length, 0);
        const head = Buffer.alloc(8);
        head.writeInt32BE(length + 4, 0);
        head.writeInt32BE(correlationId, 4);
        socket.cork();
        socket.write(head);
        for (const piece of body) socket.write(piece);
        socket.uncork();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

if (require.main === module) {
  const partitions = Number(process.argv[2] ?? 4);
  void buildTemplateBatch(1000, 1024).then(async (template) => {
    const server = await startNullSource(partitions, template, 1000);
    process.stdout.write(`127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
  });
}

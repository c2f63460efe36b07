// Produce v3-v8: appends record batches v2 (acks 0, 1 and -1 all mean "written to the one log").
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';
import type { PartitionLog } from '../log/partition-log';

interface PartitionResult {
  index: number;
  error: number;
  baseOffset: number;
  logStartOffset: number;
}

export function handleProduce(req: KafkaRequest, ctx: BrokerContext): Buffer | null | Promise<Buffer | null> {
  const v = req.apiVersion;
  const r = req.body;
  r.nullableString(); // transactional id: transactions are not supported, batches are stored as plain ones
  const acks = r.int16();
  r.int32(); // timeout: writes complete synchronously
  const topics = r.array(
    (x) => ({
      name: x.string(),
      partitions: x.array((y) => ({ index: y.int32(), records: y.nullableBytes() }), 8),
    }),
    6,
  );
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  const written = new Set<PartitionLog>();
  const results = topics.map((t) => {
    const topic = validAcks ? ctx.topics.getOrAutoCreate(t.name) : ErrorCode.INVALID_REQUIRED_ACKS;
    return {
      name: t.name,
      partitions: t.partitions.map((p): PartitionResult => {
        if (typeof topic === 'number')
          return { index: p.index, error: topic, baseOffset: -1, logStartOffset: -1 };
        const log = topic.partitions[p.index];
        if (!log) {
          return {
            index: p.index,
            error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            baseOffset: -1,
            logStartOffset: -1,
          };
        }
        if (!p.records)
          return { index: p.index, error: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1, logStartOffset: -1 };
        const res = log.append(p.records);
        if (res.error === ErrorCode.NONE) written.add(log);
        if (res.error !== ErrorCode.NONE) {
          ctx.opts.logger.debug(`produce to ${t.name}-${p.index} rejected with error ${res.error}`);
        }
        return {
          index: p.index,
          error: res.error,
          baseOffset: res.baseOffset,
          logStartOffset: log.logStartOffset,
        };
      }),
    };
  });
  if (acks === 0) return null;
  const response = encode(v, results);
  // fsync=always acknowledges only once the data is on disk; the sync runs off the event loop.
  if (ctx.opts.fsync === 'always' && ctx.opts.dataDir && written.size > 0) {
    return Promise.all([...written].map((log) => log.flushAsync())).then(() => response);
  }
  return response;
}

function encode(v: number, results: { name: string; partitions: PartitionResult[] }[]): Buffer {
  const w = new Writer(256);
  w.array(results, (x, t) => {
    x.string(t.name);
    x.array(t.partitions, (y, p) => {
      y.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
      if (v >= 5) y.int64(p.logStartOffset);
      if (v >= 8) y.int32(0).nullableString(null);
    });
  });
  w.int32(0);
  return w.result();
}

// Fetch v4-v11 with long-polling: waits up to max_wait_ms for min_bytes, waking as soon as an append arrives.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';
import type { PartitionLog } from '../log/partition-log';

interface FetchPartition {
  index: number;
  fetchOffset: number;
  maxBytes: number;
}

interface FetchTopic {
  name: string;
  partitions: FetchPartition[];
}

interface PartitionData {
  index: number;
  error: number;
  log: PartitionLog | undefined;
  records: Buffer | null;
}

export function handleFetch(req: KafkaRequest, ctx: BrokerContext): Buffer[] | Promise<Buffer[]> {
  const v = req.apiVersion;
  const r = req.body;
  r.int32(); // replica id
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  r.int8(); // isolation level: there are no transactions, so both levels read the same
  if (v >= 7) {
    r.int32(); // session id: sessions are declined by answering session id 0, so every fetch is a full one
    r.int32();
  }
  const topics: FetchTopic[] = r.array(
    (x) => ({
      name: x.string(),
      partitions: x.array((y) => {
        const index = y.int32();
        if (v >= 9) y.int32();
        const fetchOffset = y.int64();
        if (v >= 5) y.int64();
        return { index, fetchOffset, maxBytes: y.int32() };
      }, 16),
    }),
    6,
  );
  if (v >= 7) r.array((x) => [x.string(), x.array((y) => y.int32(), 4)], 6);
  if (v >= 11) r.string();

  const collect = (): {
    data: { name: string; partitions: PartitionData[] }[];
    bytes: number;
    errors: boolean;
  } => {
    // The broker's own cap wins over the client's (Kafka's fetch.max.bytes), so one fetch cannot read unbounded.
    let budget = Math.min(maxBytes, ctx.opts.fetchMaxBytes);
    let bytes = 0;
    let errors = false;
    const data = topics.map((t) => {
      const topic = ctx.topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p): PartitionData => {
          const log = topic?.partitions[p.index];
          if (!log) {
            errors = true;
            return { index: p.index, error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, log, records: null };
          }
          const res = log.read(p.fetchOffset, Math.min(p.maxBytes, Math.max(budget, 0)), bytes === 0);
          if (res.error !== ErrorCode.NONE) errors = true;
          const n = res.records?.length ?? 0;
          bytes += n;
          budget -= n;
          return { index: p.index, error: res.error, log, records: res.records };
        }),
      };
    });
    return { data, bytes, errors };
  };

  const first = collect();
  if (first.bytes >= minBytes || first.errors || maxWaitMs <= 0) return encode(v, first.data);
  return new Promise<Buffer[]>((resolve, reject) => {
    const removers: (() => void)[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const remove of removers) remove();
      ctx.pendingFetches.delete(finish);
      // Runs from a timer or another connection's append: a throw here must fail this request, not the broker.
      try {
        resolve(encode(v, collect().data));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const listen = (): void => {
      for (const remove of removers.splice(0)) remove();
      for (const t of first.data)
        for (const p of t.partitions) if (p.log) removers.push(p.log.onAppend(onAppend));
    };
    const onAppend = (): void => {
      if (finished) return;
      try {
        const now = collect();
        if (now.bytes >= minBytes || now.errors) finish();
        else listen();
      } catch {
        finish();
      }
    };
    const timer = setTimeout(finish, maxWaitMs);
    ctx.pendingFetches.add(finish);
    listen();
  });
}

function encode(v: number, data: { name: string; partitions: PartitionData[] }[]): Buffer[] {
  const w = new Writer(256);
  w.int32(0);
  if (v >= 7) w.int16(ErrorCode.NONE).int32(0);
  w.array(data, (x, t) => {
    x.string(t.name);
    x.array(t.partitions, (y, p) => {
      const hw = p.log?.nextOffset ?? -1;
      y.int32(p.index).int16(p.error).int64(hw).int64(hw);
      if (v >= 5) y.int64(p.log?.logStartOffset ?? -1);
      y.int32(0); // no aborted transactions
      if (v >= 11) y.int32(-1);
      y.nullableBytesRef(p.records);
    });
  });
  return w.resultPieces();
}

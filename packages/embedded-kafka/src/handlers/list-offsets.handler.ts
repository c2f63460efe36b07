// ListOffsets v1-v5: earliest (-2), latest (-1) or the first offset at or after a timestamp.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

const LATEST = -1;
const EARLIEST = -2;

export function handleListOffsets(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  r.int32(); // replica id
  if (v >= 2) r.int8();
  const topics = r.array(
    (x) => ({
      name: x.string(),
      partitions: x.array(
        (y) => {
          const index = y.int32();
          if (v >= 4) y.int32();
          return { index, timestamp: y.int64() };
        },
        v >= 4 ? 16 : 12,
      ),
    }),
    6,
  );
  const w = new Writer(256);
  if (v >= 2) w.int32(0);
  w.array(topics, (x, t) => {
    x.string(t.name);
    x.array(t.partitions, (y, p) => {
      const log = ctx.topics.partition(t.name, p.index);
      let error: number = ErrorCode.NONE;
      let offset = -1;
      let timestamp = -1;
      if (!log) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (p.timestamp === LATEST) offset = log.nextOffset;
      else if (p.timestamp === EARLIEST) offset = log.logStartOffset;
      else if (p.timestamp < 0) error = ErrorCode.UNSUPPORTED_VERSION;
      else ({ offset, timestamp } = log.offsetForTimestamp(p.timestamp));
      y.int32(p.index).int16(error).int64(timestamp).int64(offset);
      if (v >= 4) y.int32(0);
    });
  });
  return w.result();
}

// OffsetFetch v0-v5: a group's committed positions; -1 where nothing was committed.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleOffsetFetch(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const groupId = r.string();
  let topics = r.nullableArray((x) => ({ name: x.string(), partitions: x.array((y) => y.int32(), 4) }), 6);
  if (topics === null) {
    topics = [...ctx.offsets.topicsOf(groupId)].map(([name, parts]) => ({
      name,
      partitions: [...parts.keys()],
    }));
  }
  const w = new Writer(256);
  if (v >= 3) w.int32(0);
  w.array(topics, (x, t) => {
    x.string(t.name);
    x.array(t.partitions, (y, index) => {
      const c = ctx.offsets.get(groupId, t.name, index);
      y.int32(index).int64(c?.offset ?? -1);
      if (v >= 5) y.int32(c?.leaderEpoch ?? -1);
      y.nullableString(c?.metadata ?? '').int16(ErrorCode.NONE);
    });
  });
  if (v >= 2) w.int16(ErrorCode.NONE);
  return w.result();
}

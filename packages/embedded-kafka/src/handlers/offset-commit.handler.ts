// OffsetCommit v0-v7: stores a group's positions after Kafka's member and generation checks.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleOffsetCommit(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const groupId = r.string();
  const generation = v >= 1 ? r.int32() : -1;
  const memberId = v >= 1 ? r.string() : '';
  if (v >= 7) r.nullableString();
  if (v >= 2 && v <= 4) r.int64();
  const topics = r.array(
    (x) => ({
      name: x.string(),
      partitions: x.array((y) => {
        const index = y.int32();
        const offset = y.int64();
        const leaderEpoch = v >= 6 ? y.int32() : -1;
        if (v === 1) y.int64();
        return { index, offset, leaderEpoch, metadata: y.nullableString() };
      }, 14),
    }),
    6,
  );
  const groupError = groupId
    ? ctx.groups.validateCommit(groupId, generation, memberId)
    : ErrorCode.INVALID_GROUP_ID;
  const accepted: Parameters<typeof ctx.offsets.commit>[1] = [];
  const results = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      let error = groupError;
      if (error === ErrorCode.NONE && !ctx.topics.partition(t.name, p.index))
        error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (error === ErrorCode.NONE) {
        accepted.push({
          topic: t.name,
          partition: p.index,
          committed: { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata },
        });
      }
      return { index: p.index, error };
    }),
  }));
  if (accepted.length > 0) {
    ctx.offsets.commit(groupId, accepted);
    ctx.groups.touch(groupId);
  }
  const w = new Writer(128);
  if (v >= 3) w.int32(0);
  w.array(results, (x, t) => {
    x.string(t.name);
    x.array(t.partitions, (y, p) => y.int32(p.index).int16(p.error));
  });
  return w.result();
}

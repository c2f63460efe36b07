// CreatePartitions v0-v1: grows a topic's partition count.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleCreatePartitions(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const r = req.body;
  const topics = r.array(
    (x) => ({
      name: x.string(),
      count: x.int32(),
      assignments: x.nullableArray((y) => y.array((z) => z.int32(), 4), 4),
    }),
    10,
  );
  r.int32();
  const validateOnly = r.bool();
  const results = topics.map((t) => {
    const topic = ctx.topics.get(t.name);
    if (!topic)
      return {
        name: t.name,
        error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        message: `Topic ${t.name} does not exist`,
      };
    if (t.count <= topic.partitions.length) {
      const message = `Topic currently has ${topic.partitions.length} partitions, ${t.count} would not be an increase.`;
      return { name: t.name, error: ErrorCode.INVALID_PARTITIONS, message };
    }
    const invalid = ctx.topics.partitionCountError(t.count, topic.partitions.length);
    if (invalid) return { name: t.name, error: ErrorCode.INVALID_PARTITIONS, message: invalid };
    if (!validateOnly) ctx.topics.addPartitions(topic, t.count);
    return { name: t.name, error: ErrorCode.NONE, message: null };
  });
  const w = new Writer(128);
  w.int32(0);
  w.array(results, (x, t) => x.string(t.name).int16(t.error).nullableString(t.message));
  return w.result();
}

// CreateTopics v0-v4: replication factor must be 1 (or -1) since there is one broker.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import { validTopicName } from '../log/topic-registry';
import type { KafkaRequest } from '../server/request';

export function handleCreateTopics(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const topics = r.array(
    (x) => ({
      name: x.string(),
      numPartitions: x.int32(),
      replicationFactor: x.int16(),
      assignments: x.array((y) => ({ index: y.int32(), brokers: y.array((z) => z.int32(), 4) }), 8),
      configs: x.array((y) => ({ name: y.string(), value: y.nullableString() }), 4),
    }),
    16,
  );
  r.int32(); // timeout
  const validateOnly = v >= 1 ? r.bool() : false;
  const results = topics.map((t) => {
    const partitions =
      t.assignments.length > 0
        ? t.assignments.length
        : t.numPartitions === -1
          ? ctx.opts.defaultPartitions
          : t.numPartitions;
    let error: number = ErrorCode.NONE;
    let message: string | null = null;
    if (!validTopicName(t.name))
      [error, message] = [ErrorCode.INVALID_TOPIC_EXCEPTION, `Invalid topic name ${t.name}`];
    else if (ctx.topics.get(t.name))
      [error, message] = [ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`];
    else if (ctx.topics.partitionCountError(partitions) !== null)
      [error, message] = [ErrorCode.INVALID_PARTITIONS, ctx.topics.partitionCountError(partitions)];
    else if (t.replicationFactor !== -1 && t.replicationFactor !== 1 && t.assignments.length === 0) {
      [error, message] = [
        ErrorCode.INVALID_REPLICATION_FACTOR,
        'Replication factor must be 1 on a single broker.',
      ];
    } else if (!validateOnly) {
      ctx.topics.create(t.name, partitions, new Map(t.configs.map((c) => [c.name, c.value ?? ''])));
    }
    return { name: t.name, error, message };
  });
  const w = new Writer(128);
  if (v >= 2) w.int32(0);
  w.array(results, (x, t) => {
    x.string(t.name).int16(t.error);
    if (v >= 1) x.nullableString(t.message);
  });
  return w.result();
}

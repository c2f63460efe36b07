// Metadata v0-v8: one broker that leads every partition; requested unknown topics are auto-created when allowed.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { Topic } from '../log/topic-registry';
import type { KafkaRequest } from '../server/request';

const OPS_NOT_REQUESTED = -2147483648;

export function handleMetadata(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const names = v === 0 ? r.array((x) => x.string(), 2) : r.nullableArray((x) => x.string(), 2);
  const allowAutoCreate = v >= 4 ? r.bool() : true;
  const all = names === null || (v === 0 && names.length === 0);
  const results: { name: string; error: number; topic?: Topic }[] = [];
  if (all) {
    for (const topic of ctx.topics.topics.values())
      results.push({ name: topic.name, error: ErrorCode.NONE, topic });
  } else {
    for (const name of names) {
      const t = ctx.topics.getOrAutoCreate(name, allowAutoCreate);
      results.push(typeof t === 'number' ? { name, error: t } : { name, error: ErrorCode.NONE, topic: t });
    }
  }
  const node = ctx.opts.nodeId;
  const w = new Writer(1024);
  if (v >= 3) w.int32(0);
  w.int32(1).int32(node).string(ctx.hostFor(req.localAddress)).int32(ctx.advertisedPort);
  if (v >= 1) w.nullableString(null);
  if (v >= 2) w.nullableString(ctx.opts.clusterId);
  if (v >= 1) w.int32(node);
  w.array(results, (x, t) => {
    x.int16(t.error).string(t.name);
    if (v >= 1) x.bool(false);
    x.array(t.topic?.partitions ?? [], (y, p) => {
      y.int16(ErrorCode.NONE).int32(p.partition).int32(node);
      if (v >= 7) y.int32(0);
      y.int32(1).int32(node).int32(1).int32(node);
      if (v >= 5) y.int32(0);
    });
    if (v >= 8) x.int32(OPS_NOT_REQUESTED);
  });
  if (v >= 8) w.int32(OPS_NOT_REQUESTED);
  return w.result();
}

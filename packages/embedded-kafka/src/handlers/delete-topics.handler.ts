// DeleteTopics v0-v3: removes the topic's logs and its committed offsets.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleDeleteTopics(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const names = req.body.array((x) => x.string(), 2);
  req.body.int32();
  const results = names.map((name) => {
    const deleted = ctx.topics.delete(name);
    if (deleted) ctx.offsets.deleteTopic(name);
    return { name, error: deleted ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  });
  const w = new Writer(128);
  if (req.apiVersion >= 1) w.int32(0);
  w.array(results, (x, t) => x.string(t.name).int16(t.error));
  return w.result();
}

// DeleteGroups v0-v1: removes empty groups and their committed offsets.
import type { BrokerContext } from '../broker/broker-context';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleDeleteGroups(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const ids = req.body.array((x) => x.string());
  const w = new Writer(128);
  w.int32(0);
  w.array(ids, (x, id) => x.string(id).int16(ctx.groups.delete(id)));
  return w.result();
}

// Heartbeat v0-v3: keeps a member's session alive and tells it when a rebalance has begun.
import type { BrokerContext } from '../broker/broker-context';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleHeartbeat(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const r = req.body;
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (req.apiVersion >= 3) r.nullableString();
  const error = ctx.groups.heartbeat(groupId, generation, memberId);
  const w = new Writer(16);
  if (req.apiVersion >= 1) w.int32(0);
  return w.int16(error).result();
}

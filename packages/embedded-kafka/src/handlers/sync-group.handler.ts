// SyncGroup v0-v3: the leader's assignment is handed to every member of the generation.
import type { BrokerContext } from '../broker/broker-context';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export async function handleSyncGroup(req: KafkaRequest, ctx: BrokerContext): Promise<Buffer> {
  const v = req.apiVersion;
  const r = req.body;
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  if (v >= 3) r.nullableString();
  const assignments = new Map<string, Buffer>();
  r.array((x) => assignments.set(x.string(), Buffer.from(x.bytes())), 6);
  const res = await ctx.groups.sync(groupId, generation, memberId, assignments);
  const w = new Writer(128);
  if (v >= 1) w.int32(0);
  w.int16(res.error).bytes(res.assignment);
  return w.result();
}

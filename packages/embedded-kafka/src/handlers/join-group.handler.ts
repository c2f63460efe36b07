// JoinGroup v0-v5: answered once the group's next generation forms (or the rebalance times out).
import type { BrokerContext } from '../broker/broker-context';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export async function handleJoinGroup(req: KafkaRequest, ctx: BrokerContext): Promise<Buffer> {
  const v = req.apiVersion;
  const r = req.body;
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const groupInstanceId = v >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((x) => ({ name: x.string(), metadata: x.bytes() }), 6);
  const res = await ctx.groups.join({
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId,
    groupInstanceId,
    protocolType,
    // Copy: the metadata is kept after the request frame is gone.
    protocols: protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    clientId: req.clientId,
    clientHost: req.clientHost,
  });
  const w = new Writer(256);
  if (v >= 2) w.int32(0);
  w.int16(res.error).int32(res.generationId).string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (x, m) => {
    x.string(m.memberId);
    if (v >= 5) x.nullableString(m.groupInstanceId);
    x.bytes(m.metadata);
  });
  return w.result();
}

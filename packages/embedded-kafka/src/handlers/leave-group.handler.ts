// LeaveGroup v0-v3: removing a member starts a rebalance for those who stay.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleLeaveGroup(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const groupId = r.string();
  const w = new Writer(64);
  if (v >= 1) w.int32(0);
  if (v < 3) {
    return w.int16(ctx.groups.leave(groupId, r.string())).result();
  }
  const members = r.array((x) => ({ memberId: x.string(), groupInstanceId: x.nullableString() }));
  const results = members.map((m) => ({ ...m, error: ctx.groups.leave(groupId, m.memberId) }));
  w.int16(ErrorCode.NONE);
  w.array(results, (x, m) => x.string(m.memberId).nullableString(m.groupInstanceId).int16(m.error));
  return w.result();
}

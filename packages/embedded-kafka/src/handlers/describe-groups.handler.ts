// DescribeGroups v0-v4: state, protocol and members of each group; unknown groups read as Dead.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

const OPS_NOT_REQUESTED = -2147483648;

export function handleDescribeGroups(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const ids = req.body.array((x) => x.string(), 2);
  const w = new Writer(256);
  if (v >= 1) w.int32(0);
  w.array(ids, (x, id) => {
    const g = ctx.groups.groups.get(id);
    const known = g !== undefined || ctx.offsets.hasGroup(id);
    x.int16(ErrorCode.NONE).string(id);
    x.string(g?.members.size ? g.state : known ? 'Empty' : 'Dead');
    x.string(g?.protocolType ?? '').string(g?.members.size ? (g.protocol ?? '') : '');
    x.array(g ? [...g.members.values()] : [], (y, m) => {
      y.string(m.id);
      if (v >= 4) y.nullableString(m.groupInstanceId);
      y.string(m.clientId).string(m.clientHost);
      y.bytes(m.protocols.find((p) => p.name === g?.protocol)?.metadata ?? Buffer.alloc(0));
      y.bytes(m.assignment);
    });
    if (v >= 3) x.int32(OPS_NOT_REQUESTED);
  });
  return w.result();
}

// ListGroups v0-v2: every group with members or committed offsets.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleListGroups(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const w = new Writer(256);
  if (req.apiVersion >= 1) w.int32(0);
  w.int16(ErrorCode.NONE);
  w.array(ctx.groups.groupIds(), (x, id) =>
    x.string(id).string(ctx.groups.groups.get(id)?.protocolType ?? 'consumer'),
  );
  return w.result();
}

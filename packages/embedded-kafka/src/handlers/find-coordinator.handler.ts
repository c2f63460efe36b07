// FindCoordinator v0-v2: this broker coordinates every group (and transactional id).
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleFindCoordinator(req: KafkaRequest, ctx: BrokerContext): Buffer {
  req.body.string();
  if (req.apiVersion >= 1) req.body.int8();
  const w = new Writer(64);
  if (req.apiVersion >= 1) w.int32(0);
  w.int16(ErrorCode.NONE);
  if (req.apiVersion >= 1) w.nullableString(null);
  w.int32(ctx.opts.nodeId).string(ctx.hostFor(req.localAddress)).int32(ctx.advertisedPort);
  return w.result();
}

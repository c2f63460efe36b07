// InitProducerId v0-v1: hands out producer ids for idempotent producers (transactions are not supported).
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleInitProducerId(req: KafkaRequest, ctx: BrokerContext): Buffer {
  req.body.nullableString();
  req.body.int32();
  const w = new Writer(32);
  w.int32(0).int16(ErrorCode.NONE).int64(ctx.nextProducerId()).int16(0);
  return w.result();
}

// ApiVersions v0-v3: advertises exactly the version table in api-keys.ts.
import { SUPPORTED_APIS } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

export function handleApiVersions(req: KafkaRequest): Buffer {
  const w = new Writer(512);
  if (req.apiVersion >= 3) {
    req.body.compactString(); // client software name
    req.body.compactString(); // client software version
    w.int16(ErrorCode.NONE);
    w.compactArray(SUPPORTED_APIS, (x, a) => x.int16(a.key).int16(a.min).int16(a.max).emptyTaggedFields());
    w.int32(0).emptyTaggedFields();
    return w.result();
  }
  w.int16(ErrorCode.NONE);
  w.array(SUPPORTED_APIS, (x, a) => x.int16(a.key).int16(a.min).int16(a.max));
  if (req.apiVersion >= 1) w.int32(0);
  return w.result();
}

/** The v0-format answer to an ApiVersions version this broker does not know. */
export function encodeUnsupportedApiVersions(): Buffer {
  const w = new Writer(512);
  w.int16(ErrorCode.UNSUPPORTED_VERSION);
  w.array(SUPPORTED_APIS, (x, a) => x.int16(a.key).int16(a.min).int16(a.max));
  return w.result();
}

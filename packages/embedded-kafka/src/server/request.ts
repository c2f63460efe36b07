// A decoded request header plus a reader positioned at the body, and what handlers may return.
import type { Reader } from '../protocol/reader';

export interface KafkaRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** The local address this connection reached, advertised when the broker is bound to a wildcard address. */
  readonly localAddress: string;
  readonly body: Reader;
}

/** A response body (possibly in pieces), or null when the client expects no response (Produce with acks=0). */
export type ResponseBody = Buffer | Buffer[] | null;
export type HandlerResult = ResponseBody | Promise<ResponseBody>;

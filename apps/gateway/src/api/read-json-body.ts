// Reads a small JSON request body that the /api route left unparsed.
import type { FastifyRequest } from 'fastify';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

/** Largest body of a route the gateway answers itself (token creation, dead-letter redrive). */
export const LOCAL_BODY_LIMIT_BYTES = 64 * 1024;

export async function readJsonBody(req: FastifyRequest, limit: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new GatewayException(GatewayErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The body must be application/json.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit)
      throw new GatewayException(
        GatewayErrorCode.PAYLOAD_TOO_LARGE,
        `The body may not exceed ${limit} bytes.`,
      );
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GatewayException(GatewayErrorCode.INVALID_JSON, 'The body is not valid JSON.');
  }
}

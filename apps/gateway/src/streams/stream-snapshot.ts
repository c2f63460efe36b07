// The first event of a snapshot-first stream: the owning service's current answer for the streamed resource, read
// as the caller (same identity headers as a forwarded request) once the stream is positioned.
import { IDENTITY_HEADER, encodeIdentityValue, type RouteDefinition } from '@mcp-host/contracts';
import { ApiException, outgoingTraceparent } from '@mcp-host/platform';
import type { Caller } from '../tokens/token.entity';
import { upstreamErrorToApi } from '../proxy/upstream-error';
import type { UpstreamName, UpstreamPools } from '../proxy/upstream-pools';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

/** Snapshots are single resources; a larger answer is refused rather than buffered. */
const SNAPSHOT_MAX_BYTES = 1024 * 1024;

/** `/api/governance/runs/:id` with `{ id }` → `/api/governance/runs/<id>`, each value path-encoded. */
export function snapshotPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`snapshot path ${template} needs :${name}`);
    return encodeURIComponent(value);
  });
}

export interface SnapshotRequest {
  route: RouteDefinition;
  params: Readonly<Record<string, string>>;
  caller: Caller;
  requestId: string;
  timeoutMs: number;
  /** Extra headers every upstream call carries (the internal credential, when configured). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The snapshot as one line of JSON. The service's own 4xx (an unknown id: 404) is the stream's answer, with its
 * code and message; an unreachable or failing service is the gateway's usual 502/503/504.
 */
export async function readSnapshot(pools: UpstreamPools, r: SnapshotRequest): Promise<string> {
  const path = r.route.stream?.snapshot?.path;
  if (!path) throw new Error(`${r.route.path} has no snapshot`);
  const service = r.route.service as UpstreamName;
  let status: number;
  let text: string;
  try {
    const res = await pools.get(service).request({
      method: 'GET',
      path: snapshotPath(path, r.params),
      headers: {
        ...r.headers,
        accept: 'application/json',
        [IDENTITY_HEADER.subject]: encodeIdentityValue(r.caller.subject),
        [IDENTITY_HEADER.role]: r.caller.role,
        [IDENTITY_HEADER.tokenId]: encodeIdentityValue(r.caller.tokenId),
        'x-request-id': r.requestId,
        traceparent: outgoingTraceparent(),
      },
      headersTimeout: r.timeoutMs,
      bodyTimeout: r.timeoutMs,
    });
    status = res.statusCode;
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > SNAPSHOT_MAX_BYTES) {
      res.body.destroy();
      throw new GatewayException(
        GatewayErrorCode.UPSTREAM_ERROR,
        `The ${service} service answered a snapshot too large to send.`,
      );
    }
    text = await res.body.text();
  } catch (err) {
    if (err instanceof ApiException) throw err;
    throw upstreamErrorToApi(service, err);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status >= 400 && status < 500) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiException(
      status,
      typeof error?.code === 'string' ? error.code : 'UPSTREAM_REFUSED',
      typeof error?.message === 'string' ? error.message : `The ${service} service refused the snapshot.`,
    );
  }
  if (status !== 200 || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayException(
      GatewayErrorCode.UPSTREAM_ERROR,
      `The ${service} service could not give the snapshot.`,
    );
  }
  return JSON.stringify(body);
}

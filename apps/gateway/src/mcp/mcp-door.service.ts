// The /mcp/:server door: authenticates with an MCP Host token, finds the running server's endpoint, binds MCP
// sessions to the principal that opened them, and forwards Streamable HTTP both ways. The caller's Authorization
// header never reaches the server, and SSE answers are piped as they arrive (no buffering).
import { Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { roleSatisfies, uuidSchema, type Role } from '@mcp-host/contracts';
import {
  ApiException,
  InjectConfig,
  InjectLogger,
  Transactions,
  outgoingTraceparent,
} from '@mcp-host/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { AuditRecorder } from '../audit/audit-recorder.service';
import { MAX_JSON_BYTES, jsonOutcome, outcomeTap, type CallOutcome } from '../audit/call-outcome';
import type { GatewayConfig } from '../gateway.config';
import { RateLimiter } from '../limits/rate-limiter.service';
import { clientHeaders, endToEndHeaders } from '../proxy/hop-headers';
import type { Caller } from '../tokens/token.entity';
import { Authenticator } from '../auth/authenticator.service';
import { McpEndpointReader } from './mcp-endpoint.reader';
import { McpEndpointRepository } from './mcp-endpoint.repository';
import { principalSubjects, type Decision } from './grant-decision';
import { McpPolicyService } from './mcp-policy.service';
import { AGENT_SESSION_HEADER, McpAgentSessions } from './mcp-session.projection';
import { assertHeadersMatchBody, parseMcpBody, type JsonRpcMessage } from './mcp-request';
import { filterJsonBody, sseToolsFilter } from './tools-list-filter';
import { McpErrorCode, McpException } from './mcp.exception';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

/** The JSON-RPC error code of a tools/call the grants deny (in the implementation-defined server error range). */
export const DENIED_BY_POLICY_CODE = -32003;

/** The least role that may use /mcp/:server. */
export const MCP_ROLE: Role = 'operator';

/** Request headers that never reach the MCP server: credentials, identity, and what the gateway sets itself. */
/** What the door consumes itself, beyond what every forwarded request loses (see clientHeaders). */
const DOOR_REQUEST_HEADERS = new Set<string>([
  AGENT_SESSION_HEADER,
  // The body was read whole and is sent as a buffer, with its own length.
  'content-length',
]);

const DROPPED_RESPONSE_HEADERS = new Set<string>(['set-cookie', 'www-authenticate']);

/** The principal a session is bound to: an API token is its own principal, an OIDC caller is its subject. */
export function principalOf(caller: Caller): string {
  return caller.apiToken ? `token:${caller.tokenId}` : `oidc:${caller.subject}`;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: FastifyRequest, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new McpException(
        McpErrorCode.PAYLOAD_TOO_LARGE,
        `The body may not exceed ${limit} bytes (HTTP_BODY_LIMIT_BYTES).`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

@Injectable()
export class McpDoorService implements BeforeApplicationShutdown, OnApplicationShutdown {
  /** How to end each forwarded stream still open. */
  private readonly openStreams = new Set<() => void>();
  private readonly agent = new Agent({
    connections: 128,
    keepAliveTimeout: 30_000,
    connect: { timeout: 5_000 },
  });

  constructor(
    private readonly tx: Transactions,
    private readonly endpoints: McpEndpointRepository,
    private readonly reader: McpEndpointReader,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly policy: McpPolicyService,
    private readonly recorder: AuditRecorder,
    private readonly agentSessions: McpAgentSessions,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  /** The resource URL of a server's MCP endpoint as the caller sees it. */
  resourceUrl(req: FastifyRequest, serverId: string): string {
    return `${req.protocol}://${req.headers.host ?? 'localhost'}/mcp/${serverId}`;
  }

  /** RFC 9728 protected-resource metadata for /mcp/:server. */
  metadata(req: FastifyRequest, serverId: string): Record<string, unknown> {
    return {
      resource: this.resourceUrl(req, serverId),
      authorization_servers: this.config.OIDC_ISSUER ? [this.config.OIDC_ISSUER] : [],
      bearer_methods_supported: ['header'],
      resource_name: `MCP server ${serverId} through the MCP Host gateway`,
    };
  }

  async serve(req: FastifyRequest, reply: FastifyReply, serverParam: string): Promise<void> {
    const serverId = uuidSchema.safeParse(serverParam);
    let caller: Caller;
    try {
      caller = await this.authenticator.authenticate(req.headers.authorization, req.ip);
    } catch (err) {
      if (err instanceof ApiException && err.status === 401) {
        const where = this.metadataUrl(req, serverId.success ? serverId.data : serverParam);
        throw new ApiException(err.status, err.code, err.message, err.details, {
          'www-authenticate': `Bearer resource_metadata="${where}"`,
        });
      }
      throw err;
    }
    await this.limiter.consume(caller.tokenId);
    if (!roleSatisfies(caller.role, MCP_ROLE)) {
      throw new GatewayException(
        GatewayErrorCode.FORBIDDEN,
        `/mcp/:server needs the ${MCP_ROLE} role; this token has ${caller.role}.`,
      );
    }
    if (!serverId.success) {
      throw new McpException(McpErrorCode.SERVER_NOT_FOUND, `No MCP server ${serverParam}.`);
    }
    const id = serverId.data;
    const principal = principalOf(caller);
    const sessionId = header(req, 'mcp-session-id');
    const [row, session] = await Promise.all([
      this.reader.endpoint(id),
      sessionId === undefined ? undefined : this.reader.session(id, sessionId),
    ]);
    if (!row) throw new McpException(McpErrorCode.SERVER_NOT_FOUND, `No MCP server ${id} is known here.`);
    if (row.status !== 'running' || !row.endpoint) {
      throw new McpException(
        McpErrorCode.SERVER_NOT_RUNNING,
        `The MCP server ${id} is ${row.status}${row.endpoint ? '' : ' with no reachable endpoint'}.`,
        { status: row.status },
      );
    }
    // Another principal's session, an ended one or an unknown one: the same 404, so no session id is confirmed.
    if (
      sessionId !== undefined &&
      (!session || session.ended_at !== null || session.principal !== principal)
    ) {
      throw new McpException(McpErrorCode.SESSION_NOT_FOUND, 'No such MCP session.');
    }
    // An agent session, when the caller presents one, must be its own, for this server, unexpired and not revoked.
    const agent = await this.agentSessions.check(req.headers[AGENT_SESSION_HEADER], caller, id);

    let body: Buffer | undefined;
    let messages: JsonRpcMessage[] = [];
    if (req.method === 'POST') {
      body = await readBody(req, this.config.HTTP_BODY_LIMIT_BYTES);
      messages = parseMcpBody(body);
      assertHeadersMatchBody(req.headers, messages);
    } else {
      req.raw.resume();
    }
    const governed = messages.filter((msg) => msg.method === 'tools/call' || msg.method === 'tools/list');
    if (governed.length > 0 && messages.length > 1) {
      throw new McpException(
        McpErrorCode.INVALID_REQUEST,
        'tools/list and tools/call are accepted one per request, not in a batch.',
      );
    }
    const started = performance.now();
    const subjects = principalSubjects({
      subject: caller.subject,
      role: caller.role,
      ...(caller.apiToken ? { tokenId: caller.tokenId } : {}),
    });
    const grants = governed.length > 0 ? await this.policy.forServer(id) : undefined;
    const call = messages.length === 1 && messages[0].method === 'tools/call' ? messages[0] : undefined;
    const list = messages.length === 1 && messages[0].method === 'tools/list' ? messages[0] : undefined;
    let decision: Decision | undefined;
    let toolName = '';
    if (call && grants) {
      const params = (call.params ?? {}) as { name?: unknown; arguments?: unknown };
      toolName = typeof params.name === 'string' ? params.name : '';
      decision = grants.decide(subjects, toolName);
      if (!decision.allowed) {
        this.audit(id, caller, sessionId, toolName, params.arguments, decision, null, 'denied', started);
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: call.id ?? null,
            error: {
              code: DENIED_BY_POLICY_CODE,
              message: `Denied by policy: ${decision.rule} does not allow the tool "${toolName}".`,
              data: { reason: 'denied_by_policy', rule: decision.rule, tool: toolName },
            },
          }),
        );
        return;
      }
    }

    const headers = clientHeaders(req.headers, DOOR_REQUEST_HEADERS);
    headers['x-request-id'] = req.id;
    headers['traceparent'] = outgoingTraceparent();
    headers['x-forwarded-for'] = req.ip;
    headers['x-forwarded-proto'] = req.protocol;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;

    const abort = new EventEmitter();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.emit('abort');
    };
    reply.raw.once('close', onClose);
    let res: Dispatcher.ResponseData;
    const target = new URL(row.endpoint);
    try {
      res = await this.agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: this.config.GATEWAY_UPSTREAM_TIMEOUT_MS,
        // A GET stream or an SSE answer may stay quiet for long: only the client going away ends it.
        bodyTimeout: 0,
        signal: abort,
      });
    } catch (err) {
      reply.raw.off('close', onClose);
      this.logger.warn({ server_id: id, err: (err as Error).message }, 'MCP upstream call failed');
      if (call && decision) {
        const args = (call.params as { arguments?: unknown } | undefined)?.arguments;
        this.audit(id, caller, sessionId, toolName, args, decision, null, 'upstream_error', started);
      }
      throw new McpException(McpErrorCode.UPSTREAM_UNAVAILABLE, `The MCP server ${id} did not answer.`);
    }
    // A forwarded call is recorded once its answer has passed (ok or error), or has failed to.
    let recordCall: ((outcome: CallOutcome | undefined) => void) | undefined;
    if (call && decision) {
      const args = (call.params as { arguments?: unknown } | undefined)?.arguments;
      const status = res.statusCode;
      const answered = performance.now();
      const allowed = decision;
      recordCall = (outcome) =>
        this.audit(
          id,
          caller,
          sessionId,
          toolName,
          args,
          allowed,
          status,
          status < 400 ? 'forwarded' : 'upstream_error',
          started,
          outcome,
          answered,
        );
      if (status >= 300) {
        recordCall(undefined);
        recordCall = undefined;
      }
    }

    const opened = res.headers['mcp-session-id'];
    if (sessionId === undefined && typeof opened === 'string' && res.statusCode < 300) {
      await this.tx.run((m) =>
        this.endpoints.insertSession(m, {
          sessionId: opened,
          serverId: id,
          principal,
          subject: caller.subject,
        }),
      );
      this.reader.forgetSession(id, opened);
    }
    if (req.method === 'DELETE' && sessionId !== undefined && res.statusCode < 300) {
      await this.tx.run((m) => this.endpoints.endSession(m, id, sessionId));
      this.reader.forgetSession(id, sessionId);
    }

    reply.hijack();
    const out = endToEndHeaders(res.headers, DROPPED_RESPONSE_HEADERS);
    const type = String(res.headers['content-type'] ?? '');
    if (list && grants && res.statusCode < 300 && type.startsWith('application/json')) {
      // One JSON answer: read it whole (it is one message), filter the tools, send it with its new length.
      const allowed = (tool: string) => grants.decide(subjects, tool).allowed;
      const filtered = filterJsonBody(Buffer.from(await res.body.arrayBuffer()), list.id, allowed);
      delete out['content-length'];
      reply.raw.off('close', onClose);
      reply.raw.writeHead(res.statusCode, { ...out, 'content-length': String(filtered.length) });
      reply.raw.end(filtered);
      return;
    }
    const length = Number(res.headers['content-length'] ?? NaN);
    if (!list && type.startsWith('application/json') && length <= MAX_JSON_BYTES) {
      // One JSON answer of known, bounded length (a tools/call result, most answers): read it whole and send the
      // headers and body in one write, with no stream machinery per call. Nothing streams, so there is nothing to
      // cut on shutdown or revocation, and the client going away still aborts the read.
      let answer: Buffer;
      try {
        answer = Buffer.from(await res.body.arrayBuffer());
      } catch (err) {
        recordCall?.(undefined);
        this.logger.debug({ server_id: id, err: (err as Error).message }, 'MCP answer not read');
        reply.raw.destroy();
        return;
      } finally {
        reply.raw.off('close', onClose);
      }
      recordCall?.(call ? jsonOutcome(answer, call.id) : undefined);
      reply.raw.writeHead(res.statusCode, out);
      reply.raw.end(answer);
      return;
    }
    const filter =
      list && grants && res.statusCode < 300 && type.startsWith('text/event-stream')
        ? sseToolsFilter(list.id, (tool) => grants.decide(subjects, tool).allowed)
        : recordCall && call
          ? outcomeTap(call.id, type.startsWith('text/event-stream') ? 'sse' : 'json', recordCall)
          : undefined;
    if (filter && !recordCall) delete out['content-length'];
    reply.raw.writeHead(res.statusCode, out);
    reply.raw.flushHeaders();
    // A caller that goes away ends the upstream stream too (a GET stream would otherwise stay open upstream).
    const endUpstream = () => {
      if (!reply.raw.writableFinished) res.body.destroy();
    };
    reply.raw.once('close', endUpstream);
    // Shutting down ends every open stream at once rather than waiting for callers to hang up.
    const endOnShutdown = () => res.body.destroy();
    this.openStreams.add(endOnShutdown);
    // A revoked or expired agent session ends the stream it has open.
    const stopWatch = agent
      ? this.agentSessions.watch(agent, caller, id, () => res.body.destroy())
      : undefined;
    try {
      await (filter ? pipeline(res.body, filter, reply.raw) : pipeline(res.body, reply.raw));
    } catch (err) {
      this.logger.debug({ server_id: id, err: (err as Error).message }, 'MCP stream ended early');
    } finally {
      stopWatch?.();
      this.openStreams.delete(endOnShutdown);
      reply.raw.off('close', onClose);
    }
  }

  /**
   * Hands the tool call to the audit writer (which batches rows and mcp.tool.called events); the arguments are
   * hashed, never kept. `outcome` is what the server's answer said, when it was seen.
   */
  private audit(
    serverId: string,
    caller: Caller,
    sessionId: string | undefined,
    tool: string,
    args: unknown,
    decision: Decision,
    upstreamStatus: number | null,
    result: 'denied' | 'forwarded' | 'upstream_error',
    started: number,
    outcome?: CallOutcome,
    answeredAt: number = performance.now(),
  ): void {
    const payload = {
      call_id: randomUUID(),
      server_id: serverId,
      tool,
      subject: caller.subject,
      token_id: caller.apiToken ? caller.tokenId : null,
      session_id: sessionId ?? null,
      decision: decision.allowed ? ('allow' as const) : ('deny' as const),
      rule: decision.rule,
      arguments_sha256: createHash('sha256')
        .update(JSON.stringify(args ?? null))
        .digest('hex'),
      upstream_status: upstreamStatus,
      result,
      latency_ms: Math.round((answeredAt - started) * 1000) / 1000,
      called_at: new Date(performance.timeOrigin + started).toISOString(),
      result_status:
        result === 'denied'
          ? ('denied' as const)
          : result === 'upstream_error' || outcome === undefined
            ? ('upstream_error' as const)
            : outcome,
      agent_id: null,
      agent_session_id: null,
    };
    this.recorder.record(payload);
  }

  metadataUrl(req: FastifyRequest, serverId: string): string {
    return `${req.protocol}://${req.headers.host ?? 'localhost'}/.well-known/oauth-protected-resource/mcp/${serverId}`;
  }

  /** Before the HTTP server closes: an open MCP stream (a GET stream, a long tools/call) would hold it open. */
  beforeApplicationShutdown(): void {
    for (const end of this.openStreams) end();
    this.openStreams.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

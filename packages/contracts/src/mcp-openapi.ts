// The OpenAPI description of the gateway's MCP door, which is not an /api route: /mcp/{server} (MCP Streamable
// HTTP, session-based and stateless revisions) and its RFC 9728 protected-resource metadata. Merged into the
// document built from ROUTES.

type JsonObject = Record<string, unknown>;

const errorResponse = (description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

const serverParameter: JsonObject = {
  name: 'server',
  in: 'path',
  required: true,
  description: 'The MCP server id (as registered); it must be running with a reachable endpoint.',
  schema: { type: 'string', format: 'uuid' },
};

const header = (name: string, description: string, required = false): JsonObject => ({
  name,
  in: 'header',
  required,
  description,
  schema: { type: 'string' },
});

const sessionHeader = (required: boolean) =>
  header(
    'MCP-Session-Id',
    'The session the server opened on initialize (session-based revisions). Bound to the principal that opened ' +
      'it: another principal, an ended or an unknown session gets 404.',
    required,
  );

const protocolHeader = header(
  'MCP-Protocol-Version',
  'The negotiated MCP revision, e.g. 2025-06-18, 2025-11-25 or 2026-07-28; forwarded as is.',
);

const authFailures: JsonObject = {
  '401': {
    ...errorResponse('No or invalid token.'),
    headers: {
      'WWW-Authenticate': {
        description:
          'Bearer resource_metadata="<origin>/.well-known/oauth-protected-resource/mcp/{server}" (RFC 9728).',
        schema: { type: 'string' },
      },
    },
  },
  '403': errorResponse('The token lacks the operator role.'),
  '429': errorResponse('Rate limited.'),
};

const upstreamFailures: JsonObject = {
  '404': errorResponse('Unknown server (MCP_SERVER_NOT_FOUND) or session (MCP_SESSION_NOT_FOUND).'),
  '502': errorResponse('The MCP server did not answer (MCP_UPSTREAM_UNAVAILABLE).'),
  '503': errorResponse('The MCP server is not running (MCP_SERVER_NOT_RUNNING).'),
};

const door = (summary: string, description: string): JsonObject => ({
  summary,
  description,
  tags: ['mcp'],
  'x-service': 'gateway',
  'x-required-role': 'operator',
});

const jsonRpcSchema: JsonObject = {
  oneOf: [
    { $ref: '#/components/schemas/JsonRpcMessage' },
    { type: 'array', items: { $ref: '#/components/schemas/JsonRpcMessage' }, minItems: 1 },
  ],
};

export const MCP_OPENAPI_SCHEMAS: Readonly<Record<string, JsonObject>> = {
  JsonRpcMessage: {
    type: 'object',
    description: 'A JSON-RPC 2.0 request, notification or response.',
    properties: {
      jsonrpc: { const: '2.0' },
      id: { type: ['string', 'integer', 'null'] },
      method: { type: 'string' },
      params: { type: 'object' },
      result: {},
      error: {
        type: 'object',
        properties: { code: { type: 'integer' }, message: { type: 'string' }, data: {} },
      },
    },
    required: ['jsonrpc'],
  },
};

export const MCP_OPENAPI_PATHS: Readonly<Record<string, Record<string, JsonObject>>> = {
  '/mcp/{server}': {
    post: {
      ...door(
        'Send MCP JSON-RPC messages to a running server (Streamable HTTP).',
        'Authenticated with an MCP Host token or an OIDC token for this resource; the Authorization header never ' +
          'reaches the server. tools/list answers keep only the tools the caller may call, and tools/call is ' +
          'checked with the same decision: a denied call is answered (HTTP 200) with the JSON-RPC error -32003 and ' +
          'data {reason: "denied_by_policy", rule, tool}, where rule is grant:<id>:deny:<tool>, drift:<tool> or ' +
          'default:deny. tools/list and tools/call go one per request, not in a batch. Every tools/call is audited ' +
          '(GET /api/audit).',
      ),
      operationId: 'POST /mcp/:server',
      parameters: [
        serverParameter,
        sessionHeader(false),
        protocolHeader,
        header(
          'Mcp-Method',
          "Stateless revision (2026-07-28): the body's method; when present it must match the body, or 400.",
        ),
        header(
          'Mcp-Name',
          'Stateless revision: the tool or prompt name (or resource URI) the body addresses; must match, or 400.',
        ),
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonRpcSchema } },
      },
      responses: {
        '200': {
          description:
            'The server answer, passed through unbuffered: one JSON body, or an SSE stream of JSON-RPC messages.',
          headers: {
            'MCP-Session-Id': {
              description: 'Set by the server on initialize (session-based revisions).',
              schema: { type: 'string' },
            },
          },
          content: {
            'application/json': { schema: jsonRpcSchema },
            'text/event-stream': { schema: { type: 'string' } },
          },
        },
        '202': { description: 'Accepted: the body held only notifications or responses.' },
        '400': errorResponse(
          'Not JSON-RPC (MCP_INVALID_REQUEST), or Mcp-Method / Mcp-Name disagree with the body (MCP_HEADER_MISMATCH).',
        ),
        '413': errorResponse('The body exceeds HTTP_BODY_LIMIT_BYTES.'),
        ...authFailures,
        ...upstreamFailures,
      },
    },
    get: {
      ...door(
        'Open the server-to-client SSE stream of a session.',
        'Resumes with Last-Event-ID when the server keeps an event store. The stream ends upstream when the ' +
          'caller goes away.',
      ),
      operationId: 'GET /mcp/:server',
      parameters: [
        serverParameter,
        sessionHeader(true),
        protocolHeader,
        header('Last-Event-ID', 'The last event id received, to replay what was missed.'),
      ],
      responses: {
        '200': {
          description: 'Server-sent events, unbuffered.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        '405': { description: 'The server offers no GET stream.' },
        ...authFailures,
        ...upstreamFailures,
      },
    },
    delete: {
      ...door('End an MCP session.', 'Only the principal that opened the session can end it.'),
      operationId: 'DELETE /mcp/:server',
      parameters: [serverParameter, sessionHeader(true), protocolHeader],
      responses: {
        '200': { description: 'The session ended.' },
        '204': { description: 'The session ended.' },
        ...authFailures,
        ...upstreamFailures,
      },
    },
  },
  '/.well-known/oauth-protected-resource/mcp/{server}': {
    get: {
      summary: "RFC 9728 protected-resource metadata of a server's MCP endpoint.",
      description:
        'Public: names the resource and the authorization server(s) whose tokens the door accepts.',
      operationId: 'GET /.well-known/oauth-protected-resource/mcp/:server',
      tags: ['mcp'],
      'x-service': 'gateway',
      'x-required-role': 'none',
      security: [],
      parameters: [serverParameter],
      responses: {
        '200': {
          description: 'Protected-resource metadata (cacheable for 300 s).',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  resource: { type: 'string', format: 'uri' },
                  authorization_servers: { type: 'array', items: { type: 'string', format: 'uri' } },
                  bearer_methods_supported: { type: 'array', items: { type: 'string' } },
                  resource_name: { type: 'string' },
                },
                required: ['resource', 'authorization_servers', 'bearer_methods_supported'],
              },
            },
          },
        },
      },
    },
  },
};

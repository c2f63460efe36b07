// The gateway route table: every public `/api` endpoint, the service that owns it and the least role allowed to call it.
// The gateway authorises and forwards with it; the CLI and the OpenAPI document are checked against it.
import { TOPICS } from './topics';

export const SERVICE_NAMES = [
  'gateway',
  'build-service',
  'policy-engine',
  'governance',
  'marketplace',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
/** A caller may use a route when ROLE_RANK[callerRole] >= ROLE_RANK[route.role]. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleSatisfies(callerRole: Role, required: Role): boolean {
  return ROLE_RANK[callerRole] >= ROLE_RANK[required];
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

export interface RouteStream {
  /** The topic the gateway consumes to serve this SSE stream (Last-Event-ID maps to its offsets). */
  topic: string;
  /**
   * Path or query parameter name → payload field it must equal, e.g. `{ id: 'server_id' }`.
   * A parameter absent from the request filters nothing.
   */
  filters?: Readonly<Record<string, string>>;
  /**
   * A fresh connection (no Last-Event-ID) first gets a `snapshot` event: the owning service's answer to `GET path`
   * (same `:param`s, same caller), read after the stream is positioned so no later change is missed. An unknown
   * resource answers 404 before the stream opens.
   */
  snapshot?: { path: string };
}

export interface RouteDefinition {
  method: HttpMethod;
  /** Segments are literals or `:param`; e.g. `/api/servers/:id`. */
  path: string;
  /** The service that owns the data. For `stream` routes the gateway serves the SSE itself from the topic. */
  service: ServiceName;
  role: Role;
  description: string;
  stream?: RouteStream;
}

function get(path: string, service: ServiceName, description: string, stream?: RouteStream): RouteDefinition {
  return stream === undefined
    ? { method: 'GET', path, service, role: 'viewer', description }
    : { method: 'GET', path, service, role: 'viewer', description, stream };
}

function mutate(
  method: Exclude<HttpMethod, 'GET'>,
  path: string,
  service: ServiceName,
  description: string,
  role: Role = 'operator',
): RouteDefinition {
  return { method, path, service, role, description };
}

export const ROUTES: readonly RouteDefinition[] = [
  // gateway
  get('/api/status', 'gateway', 'Readiness of the gateway and of every service behind it.'),
  get('/api/docs', 'gateway', 'The OpenAPI document of the public API.'),
  get('/api/tokens/me', 'gateway', 'The calling token: id, name, subject and role.'),
  { method: 'GET', path: '/api/tokens', service: 'gateway', role: 'admin', description: 'List API tokens.' },
  mutate(
    'POST',
    '/api/tokens',
    'gateway',
    'Create an API token with a role; the secret is shown once.',
    'admin',
  ),
  mutate('DELETE', '/api/tokens/:id', 'gateway', 'Revoke an API token.', 'admin'),
  {
    method: 'GET',
    path: '/api/admin/dead-letters',
    service: 'gateway',
    role: 'admin',
    description: 'List dead-lettered events (filters: topic, reason, type, since, until; keyset pagination).',
  },
  mutate(
    'POST',
    '/api/admin/dead-letters/redrive',
    'gateway',
    'Send dead-lettered events back to their topic, by event ids or a time range.',
    'admin',
  ),

  // servers (policy-engine owns the server rows)
  get('/api/servers', 'policy-engine', 'List servers (keyset pagination: limit, cursor, q, status).'),
  mutate('POST', '/api/servers', 'policy-engine', 'Register a server.'),
  get('/api/servers/:id', 'policy-engine', 'Fetch a server.'),
  mutate(
    'PATCH',
    '/api/servers/:id',
    'policy-engine',
    'Update a server; `version` is required, stale → 409.',
  ),
  mutate('DELETE', '/api/servers/:id', 'policy-engine', 'Delete a server and stop it.'),
  {
    method: 'GET',
    path: '/api/servers/:id/config',
    service: 'policy-engine',
    role: 'admin',
    description:
      'Server client configuration for scaffolding (`mcpctl scaffold fetch-config`); may carry secrets.',
  },
  mutate(
    'POST',
    '/api/servers/:id/start',
    'policy-engine',
    'Request a launch (policy decision, then executor).',
  ),
  mutate('POST', '/api/servers/:id/stop', 'policy-engine', 'Stop a running server.'),
  get('/api/servers/:id/logs', 'policy-engine', 'Recent runtime logs from the server executor.'),
  get(
    '/api/servers/:id/vm',
    'policy-engine',
    'VM instances, attestation status, isolation tier and lifecycle events.',
  ),
  get(
    '/api/servers/:id/intelligence',
    'policy-engine',
    'Capability intelligence scores, status and anomaly notes.',
  ),
  get('/api/servers/:id/decisions', 'policy-engine', 'Runtime policy decisions recorded for a server.'),

  // builds, artifacts and registry telemetry (build-service)
  mutate(
    'POST',
    '/api/servers/:id/builds',
    'build-service',
    'Start a build (and push) of a server, i.e. a redeploy.',
  ),
  get('/api/servers/:id/builds', 'build-service', 'List build runs of a server.'),
  get('/api/builds/:id', 'build-service', 'Fetch a build run.'),
  get('/api/builds/:id/logs', 'build-service', 'Stream the progress log of a build run.', {
    topic: TOPICS.buildRuns.name,
    filters: { id: 'build_id' },
  }),
  get('/api/artifacts/:id', 'build-service', 'Fetch an artifact run with its platforms.'),
  get('/api/servers/:id/artifacts', 'build-service', 'List artifact runs of a server.'),
  get('/api/servers/:id/metrics', 'build-service', 'Registry usage metrics of a server with raw `details`.'),
  get('/api/servers/:id/metrics/stream', 'build-service', 'Stream registry usage metrics of a server.', {
    topic: TOPICS.buildTelemetry.name,
    filters: { id: 'server_id' },
  }),

  // marketplace and evaluations (marketplace)
  get('/api/marketplace', 'marketplace', 'Browse the catalog (server_type, status, tier, q, limit).'),
  get(
    '/api/marketplace/:id',
    'marketplace',
    'Fetch one catalog entry by artifact run id, with promotion lineage.',
  ),
  get('/api/artifacts/:id/evaluations', 'marketplace', 'List evaluation certifications of an artifact run.'),
  mutate(
    'POST',
    '/api/artifacts/:id/evaluations',
    'marketplace',
    'Upsert a certification; digest defaults to the run.',
  ),
  get('/api/evaluations', 'marketplace', 'List evaluation certifications across artifacts.'),
  get('/api/evaluations/:id', 'marketplace', 'Fetch an evaluation certification.'),
  mutate(
    'POST',
    '/api/evaluations/:id/retry',
    'marketplace',
    'Reset a certification to pending for another run.',
  ),
  get('/api/evaluations/requirements', 'marketplace', 'The policy requirements of every tier.'),
  get('/api/evaluations/requirements/:tier', 'marketplace', 'The policy requirements of one tier.'),
  mutate(
    'PUT',
    '/api/evaluations/requirements/:tier',
    'marketplace',
    "Set a tier's policy requirements; stale version → 409.",
    'admin',
  ),

  // policy (policy-engine)
  get('/api/policy/decisions', 'policy-engine', 'List runtime policy decisions (server_id, limit, cursor).'),
  get('/api/policy/decisions/:id', 'policy-engine', 'Fetch a runtime policy decision.'),
  get('/api/policy/stream', 'policy-engine', 'Stream runtime policy decisions, with key posture.', {
    topic: TOPICS.policyDecisions.name,
    filters: { server_id: 'server_id' },
  }),

  // provider BYOK keys (policy-engine)
  get('/api/providers/:providerId/keys', 'policy-engine', 'List provider key posture records.'),
  mutate(
    'POST',
    '/api/providers/:providerId/keys',
    'policy-engine',
    'Register a provider key with its attestation.',
  ),
  get('/api/providers/:providerId/keys/stream', 'policy-engine', 'Stream provider key posture changes.', {
    topic: TOPICS.providerKeys.name,
    filters: { providerId: 'provider_id' },
  }),
  get('/api/providers/:providerId/keys/:keyId', 'policy-engine', 'Fetch a provider key.'),
  mutate('POST', '/api/providers/:providerId/keys/:keyId/rotate', 'policy-engine', 'Request a key rotation.'),
  mutate(
    'POST',
    '/api/providers/:providerId/keys/:keyId/rotation/approve',
    'policy-engine',
    'Approve a pending key rotation.',
  ),
  mutate(
    'POST',
    '/api/providers/:providerId/keys/:keyId/bindings',
    'policy-engine',
    'Bind a key to a workload.',
  ),
  get('/api/providers/:providerId/keys/:keyId/bindings', 'policy-engine', 'List active bindings of a key.'),

  // governance workflows and runs (governance)
  get('/api/governance/workflows', 'governance', 'List governance workflow definitions.'),
  mutate(
    'POST',
    '/api/governance/workflows',
    'governance',
    'Create a governance workflow with ordered steps.',
  ),
  get('/api/governance/workflows/:id', 'governance', 'Fetch a governance workflow.'),
  mutate(
    'POST',
    '/api/governance/workflows/:id/runs',
    'governance',
    'Start a workflow run for an artifact/tier.',
  ),
  get('/api/governance/runs', 'governance', 'List governance runs (workflow_id, status).'),
  get('/api/governance/runs/:id', 'governance', 'Fetch a run with per-step state and audit log.'),
  mutate(
    'POST',
    '/api/governance/runs/:id/status',
    'governance',
    'Transition a run and append an audit note.',
  ),
  get(
    '/api/governance/runs/:id/stream',
    'governance',
    'Stream a governance run (snapshot, then transitions).',
    {
      topic: TOPICS.governanceRuns.name,
      filters: { id: 'run_id' },
      snapshot: { path: '/api/governance/runs/:id' },
    },
  ),

  // release-train promotions (governance)
  get('/api/promotions/tracks', 'governance', 'List promotion tracks with stages and linked workflows.'),
  mutate('POST', '/api/promotions/tracks', 'governance', 'Create a promotion track.'),
  mutate('POST', '/api/promotions/schedule', 'governance', 'Schedule a promotion of a digest to a stage.'),
  get('/api/promotions/history', 'governance', 'Promotion history filtered by track_id or manifest_digest.'),
  get('/api/promotions/:id', 'governance', 'Fetch a promotion.'),
  mutate('POST', '/api/promotions/:id/approve', 'governance', 'Approve a scheduled promotion checkpoint.'),
  mutate(
    'POST',
    '/api/promotions/:id/reject',
    'governance',
    'Reject a promotion; its digest is blocked on the track until an admin lifts it.',
  ),
  mutate(
    'POST',
    '/api/promotions/rollback',
    'governance',
    'Re-activate the last good digest of a track stage and hold the bad one.',
  ),
  get('/api/promotions/blocks', 'governance', 'Digests blocked on tracks (rejections and rollback holds).'),
  mutate(
    'POST',
    '/api/promotions/blocks/:id/lift',
    'governance',
    'Lift a rejection block or rollback hold.',
    'admin',
  ),

  // trust registry (governance)
  get(
    '/api/trust/registry',
    'governance',
    'Latest trust registry snapshots (server_id, lifecycle, status, stale).',
  ),
  get('/api/trust/registry/:id', 'governance', 'Lifecycle, remediation and provenance of a VM instance.'),
  get('/api/trust/registry/:id/history', 'governance', 'Recent trust registry transitions of a VM instance.'),
  mutate(
    'POST',
    '/api/trust/registry/:id/transition',
    'governance',
    'Guarded transition; expected_version → 409.',
  ),
  get('/api/trust/stream', 'governance', 'Stream trust registry transitions.', {
    topic: TOPICS.trustRegistry.name,
    filters: { server_id: 'server_id', lifecycle: 'lifecycle_state', status: 'status' },
  }),

  // remediation (governance)
  get(
    '/api/remediation/playbooks',
    'governance',
    'List remediation playbooks with executor and approval/SLA data.',
  ),
  get('/api/remediation/runs', 'governance', 'List remediation runs (instance_id, status).'),
  mutate(
    'POST',
    '/api/remediation/runs',
    'governance',
    'Enqueue a remediation run for an instance and playbook.',
  ),
  get('/api/remediation/runs/:id', 'governance', 'Fetch a remediation run.'),
  mutate(
    'POST',
    '/api/remediation/runs/:id/approve',
    'governance',
    'Record an approval decision; stale version → 409.',
  ),
  get('/api/remediation/runs/:id/artifacts', 'governance', 'List artifacts persisted by a remediation run.'),
  get('/api/remediation/stream', 'governance', 'Stream remediation log and status events.', {
    topic: TOPICS.remediation.name,
    filters: { run_id: 'run_id' },
  }),

  // lifecycle console (governance)
  get(
    '/api/lifecycle',
    'governance',
    'Lifecycle console snapshots (lifecycle_state, owner_id, promotion_lane).',
  ),
  get('/api/lifecycle/stream', 'governance', 'Stream lifecycle console snapshot deltas.', {
    topic: TOPICS.lifecycleSnapshots.name,
    filters: { lifecycle_state: 'lifecycle_state', owner_id: 'owner_id', promotion_lane: 'promotion_lane' },
  }),

  // MCP tool grants (policy-engine), applied by the gateway's /mcp/:server door
  get('/api/grants', 'policy-engine', 'List MCP tool grants (filter by server_id, subject).'),
  mutate('POST', '/api/grants', 'policy-engine', 'Grant a subject tools of an MCP server.', 'admin'),
  get('/api/grants/:id', 'policy-engine', 'Fetch an MCP tool grant.'),
  mutate('DELETE', '/api/grants/:id', 'policy-engine', 'Delete an MCP tool grant (?version=).', 'admin'),
  mutate('POST', '/api/grants/:id/enable', 'policy-engine', 'Enable an MCP tool grant (version).', 'admin'),
  mutate('POST', '/api/grants/:id/disable', 'policy-engine', 'Disable an MCP tool grant (version).', 'admin'),
  // agent sessions (policy-engine), presented at the gateway's /mcp/:server door in Mcp-Host-Agent-Session
  get('/api/sessions', 'policy-engine', 'List agent sessions (agent_id, subject, server_id, state).'),
  mutate('POST', '/api/sessions', 'policy-engine', 'Open an agent session (trust level, TTL).', 'admin'),
  get('/api/sessions/:id', 'policy-engine', 'Fetch an agent session.'),
  mutate('POST', '/api/sessions/:id/revoke', 'policy-engine', 'Revoke an agent session (version).', 'admin'),
  mutate('POST', '/api/sessions/:id/unrevoke', 'policy-engine', 'Unrevoke a session (version).', 'admin'),

  // audit trail of MCP tool calls (gateway): every tools/call through /mcp/:server, allowed or denied
  {
    method: 'GET',
    path: '/api/audit',
    service: 'gateway',
    role: 'operator',
    description:
      'List MCP tool calls, newest first (filters: server_id, subject, tool, decision, result_status; keyset pagination).',
  },
  {
    method: 'GET',
    path: '/api/audit/stream',
    service: 'gateway',
    role: 'operator',
    description: 'Stream MCP tool calls as they happen (filters: server_id, subject, tool, decision).',
    stream: {
      topic: TOPICS.mcpAudit.name,
      filters: { server_id: 'server_id', subject: 'subject', tool: 'tool', decision: 'decision' },
    },
  },

  // MCP tool discovery and drift (policy-engine)
  get(
    '/api/servers/:id/tools',
    'policy-engine',
    'The tool manifest discovered on the running server (hashes, annotations) and its drift against the certified one.',
  ),
];

/** Coarse ownership by path prefix; `matchRoute` is authoritative (e.g. `/api/artifacts/:id/evaluations`). */
export const ROUTE_PREFIXES: readonly { prefix: string; service: ServiceName }[] = [
  { prefix: '/api/status', service: 'gateway' },
  { prefix: '/api/docs', service: 'gateway' },
  { prefix: '/api/tokens', service: 'gateway' },
  { prefix: '/api/admin', service: 'gateway' },
  { prefix: '/api/servers', service: 'policy-engine' },
  { prefix: '/api/builds', service: 'build-service' },
  { prefix: '/api/artifacts', service: 'build-service' },
  { prefix: '/api/marketplace', service: 'marketplace' },
  { prefix: '/api/evaluations', service: 'marketplace' },
  { prefix: '/api/policy', service: 'policy-engine' },
  { prefix: '/api/providers', service: 'policy-engine' },
  { prefix: '/api/governance', service: 'governance' },
  { prefix: '/api/promotions', service: 'governance' },
  { prefix: '/api/trust', service: 'governance' },
  { prefix: '/api/remediation', service: 'governance' },
  { prefix: '/api/lifecycle', service: 'governance' },
  { prefix: '/api/grants', service: 'policy-engine' },
  { prefix: '/api/audit', service: 'gateway' },
  { prefix: '/api/sessions', service: 'policy-engine' },
];

interface CompiledRoute {
  route: RouteDefinition;
  segments: readonly string[];
}

const COMPILED: readonly CompiledRoute[] = ROUTES.map((route) => ({
  route,
  segments: route.path.split('/').slice(1),
}));

/**
 * Splits and decodes a request path, or returns undefined when it is not a plain path: `.`/`..` segments (also
 * percent-encoded), encoded slashes or backslashes, double encoding, empty segments, control characters.
 */
export function splitRequestPath(path: string): string[] | undefined {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  if (!withoutQuery.startsWith('/')) return undefined;
  const raw = withoutQuery.slice(1).split('/');
  const decoded: string[] = [];
  for (const segment of raw) {
    if (segment.length === 0) return undefined;
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    // A decoded `%` means double encoding; a decoded `/` or `\` would change the path an upstream sees.
    if (value === '.' || value === '..' || /[/\\%]/.test(value) || hasControlCharacter(value))
      return undefined;
    decoded.push(value);
  }
  return decoded;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function matchSegments(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] ?? '';
    const value = actual[i] ?? '';
    if (expected.startsWith(':')) params[expected.slice(1)] = value;
    else if (expected !== value) return undefined;
  }
  return params;
}

// Literal segments beat parameters at the first position where two candidates differ,
// so `/api/promotions/history` wins over `/api/promotions/:id`.
function moreSpecific(a: CompiledRoute, b: CompiledRoute): boolean {
  for (let i = 0; i < a.segments.length; i += 1) {
    const aParam = (a.segments[i] ?? '').startsWith(':');
    const bParam = (b.segments[i] ?? '').startsWith(':');
    if (aParam !== bParam) return !aParam;
  }
  return false;
}

export function matchRoute(
  method: string,
  path: string,
): { route: RouteDefinition; params: Record<string, string> } | undefined {
  const segments = splitRequestPath(path);
  if (segments === undefined) return undefined;
  const wanted = method.toUpperCase();
  let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
  for (const compiled of COMPILED) {
    if (compiled.route.method !== wanted) continue;
    const params = matchSegments(compiled.segments, segments);
    if (params === undefined) continue;
    if (best === undefined || moreSpecific(compiled, best.compiled)) best = { compiled, params };
  }
  return best === undefined ? undefined : { route: best.compiled.route, params: best.params };
}

/** Methods declared for a path, so the gateway can answer 405 with an `Allow` header instead of 404. */
export function allowedMethods(path: string): HttpMethod[] {
  return HTTP_METHODS.filter((method) => matchRoute(method, path) !== undefined);
}

/** The service owning the longest matching prefix, on segment boundaries. */
export function serviceForPrefix(path: string): ServiceName | undefined {
  const segments = splitRequestPath(path);
  if (segments === undefined) return undefined;
  const normalised = `/${segments.join('/')}`;
  let best: { prefix: string; service: ServiceName } | undefined;
  for (const entry of ROUTE_PREFIXES) {
    const hit = normalised === entry.prefix || normalised.startsWith(`${entry.prefix}/`);
    if (hit && (best === undefined || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best?.service;
}

// Classifies a registry/engine failure into the telemetry's `error_kind` and decides whether a retry may help.
export type PushErrorKind =
  | 'http_5xx'
  | 'connection_reset'
  | 'io'
  | 'timeout'
  | 'auth'
  | 'denied'
  | 'not_found'
  | 'engine_unavailable'
  | 'unknown';

const RULES: ReadonlyArray<[RegExp, PushErrorKind]> = [
  [
    /\b(401|unauthorized|authentication required|unauthenticated|invalid username\/password|no basic auth credentials)\b/i,
    'auth',
  ],
  [/\b(403|denied|forbidden)\b/i, 'denied'],
  [/\b(5\d\d)\b|internal server error|bad gateway|service unavailable|gateway timeout/i, 'http_5xx'],
  [
    /connection reset|ECONNRESET|socket hang up|broken pipe|EPIPE|unexpected EOF|\bEOF\b/i,
    'connection_reset',
  ],
  [/timed? ?out|timeout|deadline exceeded|ETIMEDOUT/i, 'timeout'],
  [
    /connection refused|ECONNREFUSED|no such host|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|i\/o|dial tcp|network/i,
    'io',
  ],
  [/\b404\b|not found|manifest unknown|name unknown/i, 'not_found'],
];

export function classifyError(message: string): PushErrorKind {
  for (const [re, kind] of RULES) if (re.test(message)) return kind;
  return 'unknown';
}

export function isTransient(kind: PushErrorKind): boolean {
  return kind === 'http_5xx' || kind === 'connection_reset' || kind === 'io' || kind === 'timeout';
}

export function isAuthFailure(kind: PushErrorKind): boolean {
  return kind === 'auth';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

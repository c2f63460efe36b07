// Sorts a database error into what the caller did wrong, what is busy, and what is down, so a request gets a 4xx or
// a 503 with Retry-After instead of a 500, and a consumer tells an outage from a bad event.

export type DatabaseErrorKind = 'bad_input' | 'busy' | 'unavailable';

// SQLSTATEs that mean the value sent cannot be stored (NUL in text, a number past its column, a bad literal).
const BAD_INPUT = new Set([
  '22001', // string_data_right_truncation
  '22003', // numeric_value_out_of_range
  '22007', // invalid_datetime_format
  '22008', // datetime_field_overflow
  '22021', // character_not_in_repertoire
  '22P02', // invalid_text_representation
  '22P05', // untranslatable_character (\u0000 in jsonb)
  '2202E', // array_subscript_error
  '54000', // program_limit_exceeded (index row too large)
]);
// SQLSTATEs that mean "try again shortly": timeouts, lock waits, serialisation, no free connection.
const BUSY = new Set(['57014', '55P03', '40001', '40P01', '53300', '53400']);
// Connection-level failures: the database is going away or unreachable.
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /connection is closed/i,
  /Client has encountered a connection error/i,
  /Driver not Connected/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection/i,
  /Cannot use a pool after calling end/i,
];

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The kind of a database (pg / TypeORM) error, or undefined when it is not one this module recognises. */
export function classifyDatabaseError(err: unknown): DatabaseErrorKind | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = codeOf(err);
  if (code) {
    if (BAD_INPUT.has(code)) return 'bad_input';
    if (BUSY.has(code)) return 'busy';
    if (code.startsWith('08') || code.startsWith('57P')) return 'unavailable';
    if (UNAVAILABLE_NODE_CODES.has(code)) return 'unavailable';
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string') {
    // pg-pool's acquire timeout.
    if (/timeout exceeded when trying to connect/i.test(message)) return 'busy';
    if (/Query read timeout/i.test(message)) return 'busy';
    if (UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return 'unavailable';
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause && cause !== err) return classifyDatabaseError(cause);
  return undefined;
}

/** True for failures of the infrastructure (database unreachable or busy) rather than of the work itself. */
export function isInfrastructureError(err: unknown): boolean {
  const kind = classifyDatabaseError(err);
  return kind === 'busy' || kind === 'unavailable';
}

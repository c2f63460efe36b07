// What a health check says when a dependency fails: a short class a caller can act on, never the driver's message.
// Error strings name hosts, ports, users and database names; they go to the log, not to whoever asks /readyz.

/** 'down: timeout', 'down: refused', 'down: unreachable' or 'down: error'. */
export function checkFailure(err: unknown): string {
  return `down: ${failureClass(err)}`;
}

export function failureClass(err: unknown): 'timeout' | 'refused' | 'unreachable' | 'error' {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const text =
    `${typeof e?.name === 'string' ? e.name : ''} ${typeof e?.message === 'string' ? e.message : ''}`.toLowerCase();
  if (code === 'ECONNREFUSED') return 'refused';
  if (
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ABORT_ERR' ||
    text.includes('timeout') ||
    text.includes('timed out')
  )
    return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN')
    return 'unreachable';
  if (e?.cause !== undefined && e.cause !== err) {
    const inner = failureClass(e.cause);
    if (inner !== 'error') return inner;
  }
  return 'error';
}

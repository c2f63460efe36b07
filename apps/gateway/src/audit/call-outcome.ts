// Learns how a forwarded tools/call ended from the server's answer as it streams past, changing and holding back
// nothing: a JSON answer is copied aside (up to MAX_JSON_BYTES) and read at its end; an SSE answer is read event by
// event until the message answering the call appears.
import { Transform } from 'node:stream';

export type CallOutcome = 'ok' | 'error';

/** Largest JSON answer whose outcome is read; a larger one is reported as `undefined` (not seen). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** `ok` or `error` when `message` (or a message of a batch) answers request `id`; otherwise undefined. */
export function outcomeOf(message: unknown, id: unknown): CallOutcome | undefined {
  if (Array.isArray(message)) {
    for (const m of message) {
      const o = outcomeOf(m, id);
      if (o) return o;
    }
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { id?: unknown; result?: unknown; error?: unknown };
  if (m.id !== id) return undefined;
  if (m.error !== undefined) return 'error';
  if (typeof m.result === 'object' && m.result !== null) {
    return (m.result as { isError?: unknown }).isError === true ? 'error' : 'ok';
  }
  return undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The outcome of a whole JSON answer (at most MAX_JSON_BYTES) for request `id`. */
export function jsonOutcome(body: Buffer, id: unknown): CallOutcome | undefined {
  return body.length <= MAX_JSON_BYTES ? outcomeOf(parse(body.toString('utf8')), id) : undefined;
}

/** The outcome an SSE event block carries for `id`, if any. */
function eventOutcome(block: string, id: unknown): CallOutcome | undefined {
  const data = block
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
  return data.length === 0 ? undefined : outcomeOf(parse(data.join('\n')), id);
}

/**
 * A pass-through that calls `done(outcome)` once: with the outcome when the answer to `id` passed, or with
 * undefined when the body ended (or was destroyed) without it.
 */
export function outcomeTap(
  id: unknown,
  kind: 'json' | 'sse',
  done: (outcome: CallOutcome | undefined) => void,
): Transform {
  let reported = false;
  const report = (o: CallOutcome | undefined) => {
    if (reported) return;
    reported = true;
    done(o);
  };
  const chunks: Buffer[] = [];
  let size = 0;
  let pending = '';
  const tap = new Transform({
    transform(chunk: Buffer, _enc, next) {
      if (!reported) {
        if (kind === 'json') {
          size += chunk.length;
          if (size <= MAX_JSON_BYTES) chunks.push(chunk);
        } else {
          pending += chunk.toString('utf8');
          const blocks = pending.split(/\r?\n\r?\n/);
          pending = blocks.pop() ?? '';
          for (const b of blocks) {
            const o = eventOutcome(b, id);
            if (o) {
              pending = '';
              report(o);
              break;
            }
          }
        }
      }
      next(null, chunk);
    },
    flush(next) {
      if (kind === 'json') {
        report(size <= MAX_JSON_BYTES ? jsonOutcome(Buffer.concat(chunks), id) : undefined);
      } else {
        report(pending ? eventOutcome(pending, id) : undefined);
      }
      next();
    },
  });
  tap.once('close', () => report(undefined));
  return tap;
}

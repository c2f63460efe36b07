// Filters the answer to a tools/list request down to the tools the decision function allows, whether the server
// answers with one JSON body or with an SSE stream (each event is rewritten as it passes; nothing else is held).
import { Transform } from 'node:stream';

type Allowed = (tool: string) => boolean;

/** The message with its `result.tools` filtered when it answers request `id`; otherwise the message unchanged. */
export function filterToolsAnswer(message: unknown, id: unknown, allowed: Allowed): unknown {
  if (typeof message !== 'object' || message === null) return message;
  const m = message as { id?: unknown; result?: { tools?: unknown } };
  if (m.id !== id || !m.result || !Array.isArray(m.result.tools)) return message;
  return {
    ...m,
    result: {
      ...m.result,
      tools: (m.result.tools as { name?: unknown }[]).filter(
        (t) => typeof t?.name === 'string' && allowed(t.name),
      ),
    },
  };
}

export function filterJsonBody(body: Buffer, id: unknown, allowed: Allowed): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const out = Array.isArray(parsed)
    ? parsed.map((m) => filterToolsAnswer(m, id, allowed))
    : filterToolsAnswer(parsed, id, allowed);
  return Buffer.from(JSON.stringify(out));
}

function rewriteEvent(block: string, id: unknown, allowed: Allowed): string {
  const lines = block.split(/\r?\n/);
  const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
  if (data.length === 0) return block;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    return block;
  }
  const filtered = filterToolsAnswer(parsed, id, allowed);
  if (filtered === parsed) return block;
  const others = lines.filter((l) => !l.startsWith('data:'));
  return [...others, `data: ${JSON.stringify(filtered)}`].join('\n');
}

/** An SSE pass-through that rewrites the event answering `id`; every complete event is written out at once. */
export function sseToolsFilter(id: unknown, allowed: Allowed): Transform {
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      const parts = pending.split(/\r?\n\r?\n/);
      pending = parts.pop() ?? '';
      done(null, parts.length ? parts.map((b) => `${rewriteEvent(b, id, allowed)}\n\n`).join('') : undefined);
    },
    flush(done) {
      done(null, pending ? rewriteEvent(pending, id, allowed) : undefined);
    },
  });
}

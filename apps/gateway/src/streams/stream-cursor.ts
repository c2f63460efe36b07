// An SSE event id: the next offset of every partition of the topic, `p:o,p:o,...` in base64url, so Last-Event-ID
// restores the exact position on all partitions at once.
import type { TopicPositions } from '@mcp-host/platform';

const ENTRY = /^(\d{1,5}):(\d{1,19})$/;

export function encodeCursor(
  positions: ReadonlyMap<number, bigint | string> | Readonly<TopicPositions>,
): string {
  const entries: [number, bigint | string][] =
    positions instanceof Map
      ? [...(positions as ReadonlyMap<number, bigint | string>)]
      : Object.entries(positions as Record<string, string>).map(([p, o]): [number, string] => [Number(p), o]);
  const text = entries
    .sort((a, b) => a[0] - b[0])
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The positions a cursor names, or undefined when it is not one this gateway wrote. */
export function decodeCursor(cursor: string): Map<number, bigint> | undefined {
  if (cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const out = new Map<number, bigint>();
  for (const entry of text.split(',')) {
    const m = ENTRY.exec(entry);
    if (!m) return undefined;
    const partition = Number(m[1]);
    if (out.has(partition)) return undefined;
    out.set(partition, BigInt(m[2]));
  }
  return out.size > 0 ? out : undefined;
}

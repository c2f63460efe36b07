// Opaque keyset-pagination cursors: the sort key as Postgres renders it (`created_at::text`, so microseconds survive)
// and the row id. A cursor that does not decode is the caller's to refuse with its own INVALID_CURSOR.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeKeysetCursor(key: string, id: string): string {
  return Buffer.from(`${key}|${id}`).toString('base64url');
}

/** The timestamp key and uuid of a cursor this API returned, or undefined for anything else. */
export function decodeKeysetCursor(cursor: string): { key: string; id: string } | undefined {
  const [key, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!key || !id || extra !== undefined || Number.isNaN(Date.parse(key)) || !UUID.test(id)) return undefined;
  return { key, id };
}

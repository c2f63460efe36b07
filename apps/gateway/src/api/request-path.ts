// Refuses paths that could mean something else to an upstream than to the route table: dot segments and encoded separators.
const UNSAFE = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\/i;

/** True when the path (query excluded) holds `.`/`..` segments or an encoded dot, slash or backslash. */
export function isUnsafePath(url: string): boolean {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  return UNSAFE.test(path);
}

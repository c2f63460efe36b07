// How results reach the terminal: cli-table3 tables by default, raw JSON with --json, a spinner on stderr for mutations.
// Text from the API never reaches the terminal raw: control characters and escape sequences in it are shown escaped.
import Table from 'cli-table3';
import type { CliIo } from './io';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** One line of output; escape sequences and other control characters in it are shown escaped, never sent raw. */
  line(text: string): void {
    this.io.stdout(`${escapeControls(text, true)}\n`);
  }

  /**
   * The API's body, untouched apart from indentation, so `--json | jq` sees exactly what the API sent. JSON already
   * escapes C0 controls; the C1 ones and bidirectional overrides, which it leaves raw, are written as `\uXXXX` too
   * (the same JSON value).
   */
  raw(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${hex4(c)}`)}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[], empty: string): void {
    if (rows.length === 0) {
      this.line(empty);
      return;
    }
    const table = plainTable({ head: columns.map((c) => c.header) });
    for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
    this.line(table.toString());
  }

  /** One record as a two-column table of field and value. */
  record(fields: readonly [string, string | number | boolean | null | undefined][]): void {
    const table = plainTable({});
    for (const [key, value] of fields) table.push({ [key]: cell(value) });
    this.line(table.toString());
  }
}

function plainTable(options: { head?: string[] }): Table.Table {
  // No colours: output is often piped or diffed, and ANSI codes would end up in files.
  return new Table({ ...options, style: { head: [], border: [] } });
}

export function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return escapeControls(String(value), true);
}

// C0 controls (ESC, CR, BEL, backspace ...), DEL, C1 controls (U+0080–U+009F, e.g. the one-byte CSI U+009B) and
// the bidirectional overrides and isolates that reorder what a terminal shows.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_WITH_NEWLINES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function hex4(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Text from the API made safe for a terminal: every control character is shown as an escape (`\x1b`, `\r`,
 * `\u202e`), so data cannot move the cursor, rewrite earlier lines, retitle the window or hide text. Line feeds and
 * tabs stay when `keepNewlines` is set (multi-line cells and messages); otherwise they are escaped too.
 */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? UNSAFE : UNSAFE_WITH_NEWLINES, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${hex4(c)}`;
  });
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Runs `work` behind a spinner on stderr when stderr is a terminal; otherwise just runs it. */
export async function withSpinner<T>(io: CliIo, label: string, work: () => Promise<T>): Promise<T> {
  if (!io.stderrIsTTY) return work();
  let frame = 0;
  const draw = (): void => {
    io.stderr(`\r${FRAMES[frame % FRAMES.length]} ${label}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    io.stderr('\r\x1b[K');
  }
}

export function shortDigest(digest: string | null | undefined): string | undefined {
  if (!digest) return undefined;
  const [algo, hex] = digest.split(':');
  return hex === undefined ? digest : `${algo}:${hex.slice(0, 12)}`;
}

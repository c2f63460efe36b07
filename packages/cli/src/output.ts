// How results reach the terminal: cli-table3 tables by default, raw JSON with --json, a spinner on stderr for mutations.
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

  line(text: string): void {
    this.io.stdout(`${text}\n`);
  }

  /** The API's body, untouched apart from indentation, so `--json | jq` sees exactly what the API sent. */
  raw(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
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
  return String(value);
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

// Input rules every request schema takes from here, not field by field: bounded text without control characters,
// integers inside their column's range, JSON bodies Postgres can store. A value past a rule is a 400, never a 500.
import { z } from 'zod';

/** Maximum lengths (in characters) per kind of text field; the OpenAPI document carries each as `maxLength`. */
export const TEXT_LIMITS = {
  /** Names of servers, workflows, tracks, stages, tiers, requirements. */
  name: 128,
  /** Short labels: server types, owners, subjects, aliases, actor references, statuses, filter values. */
  label: 256,
  /** Repository URLs, image references, endpoints. */
  url: 2048,
  /** Paths inside a repository, branch names. */
  path: 1024,
  /** Descriptions, notes, reasons, audit text (newlines allowed). */
  note: 4096,
  /** Substring searches (`q`). */
  query: 256,
} as const;
export type TextKind = keyof typeof TEXT_LIMITS;

/** Postgres `integer` range; a body value past it would fail in the database instead of at the door. */
export const PG_INT_MAX = 2_147_483_647;
export const PG_INT_MIN = -2_147_483_648;
/** Largest JSON object (serialised bytes) accepted for context, evidence or metadata fields. */
export const JSON_FIELD_MAX_BYTES = 64 * 1024;

// C0 controls and DEL, which Postgres text refuses (NUL) or which break logs and headers (CR, LF, ESC ...).
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// The same, but tab, line feed and carriage return pass: multi-line notes and descriptions.
const CONTROL_CHARS_BUT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Non-empty single-line text of at most `TEXT_LIMITS[kind]` characters, no control characters. */
export function text(kind: Exclude<TextKind, 'note'> = 'label') {
  return z
    .string()
    .min(1)
    .max(TEXT_LIMITS[kind])
    .refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain control characters' });
}

/** Free text of at most `TEXT_LIMITS.note` characters where newlines and tabs are allowed, other controls are not. */
export function multilineText(max: number = TEXT_LIMITS.note) {
  return z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARS_BUT_NEWLINES.test(s), {
      message: 'must not contain control characters other than newlines and tabs',
    });
}

/** A whole number inside the Postgres `integer` range, at least `min`. */
export function pgInt(min: number = PG_INT_MIN) {
  return z.int().min(min).max(PG_INT_MAX);
}

/** An optimistic-locking version token: 1 … 2³¹−1. */
export const versionSchema = pgInt(1);

/** The same as `versionSchema`, from a query string. */
export const versionQuerySchema = z.coerce.number().int().min(1).max(PG_INT_MAX);

/** A filter or search value from a query string. */
export function queryText(kind: TextKind = 'label') {
  return z
    .string()
    .min(1)
    .max(TEXT_LIMITS[kind])
    .refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain control characters' });
}

function jsonSafe(value: unknown): boolean {
  const s = JSON.stringify(value);
  // Postgres jsonb refuses \u0000 anywhere, keys included.
  return s !== undefined && Buffer.byteLength(s) <= JSON_FIELD_MAX_BYTES && !s.includes('\\u0000');
}

/** A JSON object for context, evidence or metadata: at most 64 KiB serialised, no NUL anywhere. */
export const boundedJsonObjectSchema = z.record(z.string(), z.unknown()).refine(jsonSafe, {
  message: `must be a JSON object of at most ${JSON_FIELD_MAX_BYTES} bytes without NUL characters`,
});

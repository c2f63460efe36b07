// Field schemas shared by events and REST bodies, so one id or timestamp means the same thing everywhere.
import { z } from 'zod';

/** Any 8-4-4-4-12 hex id, exactly what a Postgres `uuid` column accepts (not only RFC 9562 versions). */
export const uuidSchema = z.guid({ error: 'Invalid UUID' });

/** ISO-8601 date-time with `Z` or an explicit offset, as produced by `Date.prototype.toISOString`. */
export const timestampSchema = z.iso.datetime({ offset: true });

/** An OCI content digest such as `sha256:<hex>`. */
export const digestSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'expected an OCI digest');

/** Free-form JSON object for audit context, evidence and metadata. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

// Spelled without the `i` flag so the generated JSON Schema pattern means the same thing.
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const serverNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(SERVER_NAME_PATTERN, 'expected a server name');

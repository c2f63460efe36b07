// A new token's body: the contracts' shape, and neither its name nor its owner may hold a control character, so a
// subject can never break a log line or the identity header it travels in.
import { createTokenBodySchema, text, type CreateTokenBody } from '@mcp-host/contracts';
import { z } from 'zod';

// Checked on the raw values, before the contracts schema trims them: `ops\r\n` is refused, not quietly trimmed.
const identityFieldsSchema = z.looseObject({ name: text('name'), owner: text('label').optional() });

/** The body of `POST /api/tokens`; a ZodError (answered as 400 VALIDATION_FAILED) when it does not pass. */
export function parseCreateTokenBody(raw: unknown): CreateTokenBody {
  identityFieldsSchema.parse(raw ?? {});
  return createTokenBodySchema.parse(raw ?? {});
}

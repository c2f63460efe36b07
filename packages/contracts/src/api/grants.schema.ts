// REST bodies of /api/grants: which principals may call which tools of which MCP server.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';
import { queryText, text, versionQuerySchema } from '../input.schema';

/** A tool name, or `*` for every tool of the server. */
export const grantToolSchema = text('name');

/**
 * A grant's subject: `token:<token id>`, `subject:<token owner or OIDC subject>` or `role:<viewer|operator|admin>`.
 */
export const grantSubjectSchema = text('name').refine(
  (s) => /^(token|subject):.+$/.test(s) || /^role:(viewer|operator|admin)$/.test(s),
  { message: 'must be token:<id>, subject:<subject> or role:<viewer|operator|admin>' },
);

export const createGrantBodySchema = z
  .object({
    server_id: uuidSchema,
    subject: grantSubjectSchema,
    allow_tools: z.array(grantToolSchema).max(1000).default([]),
    deny_tools: z.array(grantToolSchema).max(1000).default([]),
  })
  .strict()
  .refine((g) => g.allow_tools.length + g.deny_tools.length > 0, {
    message: 'a grant names at least one tool in allow_tools or deny_tools',
  });
export type CreateGrantBody = z.infer<typeof createGrantBodySchema>;

export const grantSchema = z.object({
  id: uuidSchema,
  server_id: uuidSchema,
  subject: z.string(),
  allow_tools: z.array(z.string()),
  deny_tools: z.array(z.string()),
  /** A disabled grant is kept but not applied (absent on events from before grants could be disabled). */
  enabled: z.boolean().optional(),
  version: z.int().min(1),
  created_by: z.string(),
  created_at: timestampSchema,
});
export type Grant = z.infer<typeof grantSchema>;

export const grantListQuerySchema = z
  .object({
    server_id: uuidSchema.optional(),
    subject: queryText('name').optional(),
    limit: limitQuerySchema,
    cursor: cursorQuerySchema,
  })
  .strict();
export type GrantListQuery = z.infer<typeof grantListQuerySchema>;

export const grantListResponseSchema = z.object({
  items: z.array(grantSchema),
  next_cursor: z.string().nullable(),
});

export const deleteGrantQuerySchema = z.object({ version: versionQuerySchema }).strict();

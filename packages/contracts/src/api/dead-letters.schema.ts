// REST bodies of the gateway's dead-letter admin API: events a consumer could not validate or apply, as collected from
// every topic's `.dlq` twin, and their redrive to the original topic.
import { z } from 'zod';
import { timestampSchema } from '../common.schema';
import { queryText, text } from '../input.schema';
import { cursorQuerySchema, limitQuerySchema, pageSchema } from './pagination.schema';

/** `GET /api/admin/dead-letters`: newest first; `since`/`until` bound the time an event was last dead-lettered. */
export const deadLetterListQuerySchema = z.object({
  topic: queryText('label').optional(),
  reason: queryText('label').optional(),
  type: queryText('label').optional(),
  since: timestampSchema.optional(),
  until: timestampSchema.optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type DeadLetterListQuery = z.infer<typeof deadLetterListQuerySchema>;

/** Bytes of a dead letter's value shown in a list, so a page stays small whatever the events weigh. */
export const DEAD_LETTER_PAYLOAD_PREVIEW_BYTES = 16 * 1024;

export const deadLetterSchema = z.object({
  /** The topic the event was consumed from (its dead-letter twin is `<topic>.dlq`). */
  topic: z.string(),
  /** The CloudEvents id (`ce_id`); a message without one is named `<partition>:<offset>` of its original topic. */
  event_id: z.string(),
  /** The CloudEvents type (`ce_type`), when the message carried one. */
  event_type: z.string().nullable(),
  /** Why the consumer gave up: envelope_invalid, payload_not_json, schema_invalid, handler_failed, … */
  reason: z.string(),
  error: z.string(),
  consumer_group: z.string().nullable(),
  original_partition: z.number().int().nullable(),
  original_offset: z.string().nullable(),
  key: z.string().nullable(),
  /** The message value as UTF-8 text, its first DEAD_LETTER_PAYLOAD_PREVIEW_BYTES only (redrive sends every byte). */
  payload: z.string().nullable(),
  /** The size of the whole value in bytes. */
  payload_bytes: z.number().int(),
  payload_truncated: z.boolean(),
  /** The original message headers (the consumer's `dlq_*` headers are in the fields above). */
  headers: z.record(z.string(), z.string()),
  first_seen_at: timestampSchema,
  last_seen_at: timestampSchema,
  /** Times the event was dead-lettered (again after a redrive that failed too). */
  count: z.number().int(),
  redrive_count: z.number().int(),
  last_redriven_at: timestampSchema.nullable(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export const deadLetterListResponseSchema = pageSchema(deadLetterSchema);
export type DeadLetterListResponse = z.infer<typeof deadLetterListResponseSchema>;

/** Most events one redrive call sends; a time range with more is redriven over several calls. */
export const REDRIVE_MAX_EVENTS = 500;

/**
 * `POST /api/admin/dead-letters/redrive`: the named events of one topic, or every event of that topic last
 * dead-lettered in [since, until) and not redriven since.
 */
export const redriveDeadLettersBodySchema = z
  .object({
    topic: text('label'),
    event_ids: z.array(text('label')).min(1).max(REDRIVE_MAX_EVENTS).optional(),
    since: timestampSchema.optional(),
    until: timestampSchema.optional(),
  })
  .strict()
  .refine((b) => (b.event_ids !== undefined) !== (b.since !== undefined || b.until !== undefined), {
    message: 'give either event_ids, or since and until',
  })
  .refine((b) => b.event_ids !== undefined || (b.since !== undefined && b.until !== undefined), {
    message: 'a time range needs both since and until',
  })
  .refine(
    (b) => b.since === undefined || b.until === undefined || Date.parse(b.since) < Date.parse(b.until),
    {
      message: 'since must be before until',
    },
  );
export type RedriveDeadLettersBody = z.infer<typeof redriveDeadLettersBodySchema>;

export const redriveDeadLettersResponseSchema = z.object({
  topic: z.string(),
  /** Events sent back to the topic. */
  count: z.number().int(),
  event_ids: z.array(z.string()),
  /** Named event ids with no dead letter on this topic. */
  not_found: z.array(z.string()),
  /** Named event ids another redrive call was sending at that moment: not sent twice, call again to resend. */
  busy: z.array(z.string()),
  /** True when a time range matched more than one call redrives; call again for the rest. */
  more: z.boolean(),
});
export type RedriveDeadLettersResponse = z.infer<typeof redriveDeadLettersResponseSchema>;

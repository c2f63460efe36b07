// GET /api/servers/:id/vm: a server's latest VM instances with attestation status, isolation tier and lifecycle events.
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';

export const vmInstanceEventViewSchema = z.object({
  id: uuidSchema,
  event_type: z.string(),
  lifecycle: z.string(),
  attestation_status: z.string(),
  isolation_tier: z.string().nullable(),
  fallback_reason: z.string().nullable(),
  details: jsonObjectSchema,
  occurred_at: timestampSchema,
});

export const vmInstanceViewSchema = z.object({
  id: uuidSchema,
  executor_name: z.string(),
  decision_id: z.string().nullable(),
  /** provisioned, attesting, trusted, rejected, running, quarantined or retired. */
  lifecycle: z.string(),
  /** pending, verified or failed. */
  attestation_status: z.string(),
  isolation_tier: z.string(),
  measurement: z.string().nullable(),
  fallback_reason: z.string().nullable(),
  /** The verdict: failure code (null when accepted), message, platform, TCB version, debug policy. */
  attestation: jsonObjectSchema,
  version: z.int(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  /** Newest first. */
  events: z.array(vmInstanceEventViewSchema),
});

export const serverVmResponseSchema = z.object({
  server_id: uuidSchema,
  /** Newest first. */
  instances: z.array(vmInstanceViewSchema),
});

export type ServerVmResponse = z.infer<typeof serverVmResponseSchema>;

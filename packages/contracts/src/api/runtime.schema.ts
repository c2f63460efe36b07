// REST bodies of the runtime: starting and stopping servers, reading their logs and the policy decisions behind them.
import { z } from 'zod';
import { uuidSchema } from '../common.schema';
import { policyDecisionSchema } from '../events/policy-decision-recorded.event';
import { pgInt, queryText, text } from '../input.schema';
import { serverSnapshotSchema } from '../server-snapshot.schema';
import { cursorQuerySchema, limitQuerySchema } from './pagination.schema';

/** Server statuses: the registry's own, then the runtime's. The policy engine is their only writer. */
export const SERVER_STATUSES = [
  'registered',
  'building',
  'built',
  'error',
  'pending-evaluation',
  'pending-governance',
  'starting',
  'running',
  'unhealthy',
  'stopped',
] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** Statuses in which a server has (or is getting) a workload on an executor. */
export const ACTIVE_RUNTIME_STATUSES: readonly ServerStatus[] = ['starting', 'running', 'unhealthy'];

export const startServerBodySchema = z.object({
  /** The runtime tier to place onto; defaults to the server's tier, else the configured default tier. */
  tier: text('name').optional(),
  /** Preferred executor backend (`docker`, `kubernetes`); the decision may override it, with a note. */
  backend: text('name').optional(),
  /** Capabilities the workload needs, e.g. `gpu`, `image-build`, `confidential`. */
  capabilities: z.array(text('name')).max(32).default([]),
});
export type StartServerBody = z.infer<typeof startServerBodySchema>;

export const stopServerBodySchema = z.object({
  reason: text('label').optional(),
});
export type StopServerBody = z.infer<typeof stopServerBodySchema>;

export const startServerResponseSchema = z.object({
  launch_id: uuidSchema,
  /** `starting` when the launch was dispatched; `pending-evaluation`/`pending-governance` when a gate held it. */
  status: z.enum(SERVER_STATUSES),
  decision: policyDecisionSchema,
  server: serverSnapshotSchema,
});
export type StartServerResponse = z.infer<typeof startServerResponseSchema>;

export const stopServerResponseSchema = z.object({
  status: z.enum(SERVER_STATUSES),
  /** False when the server was not running (the stop changed nothing). */
  stopped: z.boolean(),
  server: serverSnapshotSchema,
});
export type StopServerResponse = z.infer<typeof stopServerResponseSchema>;

export const decisionListQuerySchema = z.object({
  server_id: uuidSchema.optional(),
  tier: queryText('name').optional(),
  backend: queryText('name').optional(),
  /** `true`: only decisions a gate held (evaluation or governance required). */
  gated: z.enum(['true', 'false']).optional(),
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type DecisionListQuery = z.infer<typeof decisionListQuerySchema>;

export const serverDecisionsQuerySchema = z.object({
  limit: limitQuerySchema,
  cursor: cursorQuerySchema,
});
export type ServerDecisionsQuery = z.infer<typeof serverDecisionsQuerySchema>;

export const serverLogsQuerySchema = z.object({
  /** Lines from the end of the log. */
  tail: z.coerce.number().pipe(pgInt(1).max(10_000)).default(200),
  /** `true`: keep the response open as SSE and send each new line as a `log` event. */
  follow: z.enum(['true', 'false']).default('false'),
});
export type ServerLogsQuery = z.infer<typeof serverLogsQuerySchema>;

export const serverLogsResponseSchema = z.object({
  server_id: uuidSchema,
  backend: z.string().nullable(),
  instance_ref: z.string().nullable(),
  lines: z.array(z.string()),
});
export type ServerLogsResponse = z.infer<typeof serverLogsResponseSchema>;

export const policyDecisionListResponseSchema = z.object({
  items: z.array(policyDecisionSchema),
  next_cursor: z.string().nullable(),
});

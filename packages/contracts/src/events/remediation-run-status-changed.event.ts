// `remediation.run.status_changed`: a remediation run moved between statuses, with its retry and duration analytics.
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { remediationRunStatusSchema } from './remediation.schema';

export const remediationRunStatusChangedSchema = z.object({
  run_id: uuidSchema,
  instance_id: uuidSchema,
  from_status: remediationRunStatusSchema,
  to_status: remediationRunStatusSchema,
  attempt: z.int().min(1),
  duration_ms: z.int().min(0).nullable(),
  reason: z.string().nullable(),
  version: z.int().min(1),
  changed_at: timestampSchema,
  /** The playbook's executor, e.g. `restart-server` (a runtime acts on a run of it moving to `running`). */
  executor_type: z.string().min(1).nullable().optional(),
  /** The run's payload (for `restart-server`: `server_id`). */
  payload: jsonObjectSchema.optional(),
  /** True once the run is past its playbook's SLA without finishing. */
  sla_breached: z.boolean().optional(),
});

export const remediationRunStatusChangedEvent = defineEvent({
  type: 'remediation.run.status_changed',
  topic: TOPICS.remediation.name,
  schema: remediationRunStatusChangedSchema,
  key: (p) => p.run_id,
  description: 'A remediation run changed status.',
});

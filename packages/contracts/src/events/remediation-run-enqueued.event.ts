// `remediation.run.enqueued`: a remediation attempt was queued for an instance using a catalogued playbook.
import { z } from 'zod';
import { jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { remediationApprovalStateSchema, remediationRunStatusSchema } from './remediation.schema';

export const remediationRunEnqueuedSchema = z.object({
  run_id: uuidSchema,
  instance_id: uuidSchema,
  playbook: z.string().min(1),
  executor_type: z.string().nullable(),
  owner: z.string().nullable(),
  status: remediationRunStatusSchema,
  approval_state: remediationApprovalStateSchema,
  metadata: jsonObjectSchema,
  payload: jsonObjectSchema,
  attempt: z.int().min(1),
  version: z.int().min(1),
  enqueued_at: timestampSchema,
});

export const remediationRunEnqueuedEvent = defineEvent({
  type: 'remediation.run.enqueued',
  topic: TOPICS.remediation.name,
  schema: remediationRunEnqueuedSchema,
  key: (p) => p.run_id,
  description: 'A remediation run was enqueued for an instance with a playbook.',
});

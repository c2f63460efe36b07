// `remediation.run.approved`: an approval decision (approved or rejected) was recorded against a run version.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const remediationRunApprovedSchema = z.object({
  run_id: uuidSchema,
  approval_state: z.enum(['approved', 'rejected']),
  approver: z.string().nullable(),
  notes: z.string().nullable(),
  /** The run version after the decision. */
  version: z.int().min(1),
  decided_at: timestampSchema,
});

export const remediationRunApprovedEvent = defineEvent({
  type: 'remediation.run.approved',
  topic: TOPICS.remediation.name,
  schema: remediationRunApprovedSchema,
  key: (p) => p.run_id,
  description:
    'An approval decision was recorded for a remediation run; `approval_state` says approved or rejected.',
});

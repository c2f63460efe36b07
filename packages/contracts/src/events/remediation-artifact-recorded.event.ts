// `remediation.artifact.recorded`: a remediation run persisted an artifact (log bundle, evidence).
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const remediationArtifactSchema = z.object({
  artifact_id: uuidSchema,
  run_id: uuidSchema,
  /** e.g. `log`, `evidence`. */
  kind: z.string().min(1),
  uri: z.string().nullable(),
  digest: digestSchema.nullable(),
  size_bytes: z.int().min(0).nullable(),
  metadata: jsonObjectSchema,
  recorded_at: timestampSchema,
});

export const remediationArtifactRecordedEvent = defineEvent({
  type: 'remediation.artifact.recorded',
  topic: TOPICS.remediation.name,
  schema: remediationArtifactSchema,
  key: (p) => p.run_id,
  description: 'A remediation run recorded an artifact such as a log or an evidence bundle.',
});

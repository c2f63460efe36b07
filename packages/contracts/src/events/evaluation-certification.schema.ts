// The evaluation certification snapshot (evaluation_certifications row) shared by both evaluation events.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from '../common.schema';

export const EVALUATION_STATUSES = ['pending', 'pass', 'fail'] as const;
export const evaluationStatusSchema = z.enum(EVALUATION_STATUSES);
export type EvaluationStatus = z.infer<typeof evaluationStatusSchema>;

export const evaluationCertificationSchema = z.object({
  id: uuidSchema,
  artifact_run_id: uuidSchema,
  manifest_digest: digestSchema,
  tier: z.string().min(1),
  policy_requirement: z.string().min(1),
  status: evaluationStatusSchema,
  evidence: jsonObjectSchema.nullable(),
  valid_from: timestampSchema.nullable(),
  valid_until: timestampSchema.nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type EvaluationCertification = z.infer<typeof evaluationCertificationSchema>;

// The evaluation certification snapshot (evaluation_certifications row) shared by the evaluation events.
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
  /** The server the artifact run was built for; always sent by the marketplace, optional for older producers. */
  server_id: uuidSchema.optional(),
  /** The row's optimistic-locking version; a projection keeps the highest it has seen. */
  version: z.int().min(1).optional(),
});
export type EvaluationCertification = z.infer<typeof evaluationCertificationSchema>;

/** The same row with the fields every marketplace event carries made required. */
export const evaluationCertificationRowSchema = evaluationCertificationSchema.extend({
  server_id: uuidSchema,
  version: z.int().min(1),
});
export type EvaluationCertificationRow = z.infer<typeof evaluationCertificationRowSchema>;

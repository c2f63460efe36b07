// `evaluation.certification.expired`: a certification's validity window ended; published once per window.
import { z } from 'zod';
import { timestampSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { evaluationCertificationRowSchema } from './evaluation-certification.schema';

export const evaluationCertificationExpiredSchema = evaluationCertificationRowSchema.extend({
  /** When the marketplace saw the window end (at or shortly after `valid_until`). */
  expired_at: timestampSchema,
});
export type EvaluationCertificationExpired = z.infer<typeof evaluationCertificationExpiredSchema>;

export const evaluationCertificationExpiredEvent = defineEvent({
  type: 'evaluation.certification.expired',
  topic: TOPICS.evaluations.name,
  schema: evaluationCertificationExpiredSchema,
  key: (p) => p.artifact_run_id,
  description:
    'A certification passed its `valid_until`; it no longer certifies its requirement. Carries the full row, unchanged.',
});

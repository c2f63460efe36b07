// `evaluation.certification.retried`: a certification was reset to pending with its validity window cleared.
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { evaluationCertificationSchema, evaluationStatusSchema } from './evaluation-certification.schema';

export const evaluationCertificationRetriedSchema = evaluationCertificationSchema.extend({
  previous_status: evaluationStatusSchema,
});

export const evaluationCertificationRetriedEvent = defineEvent({
  type: 'evaluation.certification.retried',
  topic: TOPICS.evaluations.name,
  schema: evaluationCertificationRetriedSchema,
  key: (p) => p.artifact_run_id,
  description:
    'A certification was reset to `pending` for another evaluation; `valid_from`/`valid_until` are null. Carries the full row.',
});

// `evaluation.certification.upserted`: a certification was created or replaced; the policy engine gates launches on it.
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { evaluationCertificationSchema } from './evaluation-certification.schema';

export const evaluationCertificationUpsertedEvent = defineEvent({
  type: 'evaluation.certification.upserted',
  topic: TOPICS.evaluations.name,
  schema: evaluationCertificationSchema,
  key: (p) => p.artifact_run_id,
  description:
    'An evaluation certification was upserted for an artifact run, digest, tier and policy requirement. Carries the full row.',
});

// `evaluation.requested`: a certification is pending and an evaluator should run it (the conformance evaluator consumes it).
import { z } from 'zod';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';
import { evaluationCertificationRowSchema } from './evaluation-certification.schema';

export const EVALUATION_REQUEST_REASONS = ['artifact_recorded', 'retry'] as const;

export const evaluationRequestedSchema = evaluationCertificationRowSchema.extend({
  /** Why the evaluation is wanted: a new artifact for a tier with requirements, or an operator's retry. */
  reason: z.enum(EVALUATION_REQUEST_REASONS),
});
export type EvaluationRequested = z.infer<typeof evaluationRequestedSchema>;

export const evaluationRequestedEvent = defineEvent({
  type: 'evaluation.requested',
  topic: TOPICS.evaluations.name,
  schema: evaluationRequestedSchema,
  key: (p) => p.artifact_run_id,
  description:
    'An evaluation of an artifact run against one tier requirement is wanted; carries the pending certification row.',
});

// `evaluation.requirements.set`: the policy requirements a tier's certifications must cover were set (or seeded).
import { z } from 'zod';
import { timestampSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const evaluationTierRequirementsSchema = z.object({
  /** The runtime tier, e.g. `gold`, as servers and promotions name it. */
  tier: z.string().min(1),
  /** Every policy requirement a launch at this tier needs an active `pass` for; empty means none. */
  requirements: z.array(z.string().min(1)),
  version: z.int().min(1),
  updated_by: z.string().nullable(),
  updated_at: timestampSchema,
});
export type EvaluationTierRequirements = z.infer<typeof evaluationTierRequirementsSchema>;

export const evaluationRequirementsSetEvent = defineEvent({
  type: 'evaluation.requirements.set',
  topic: TOPICS.evaluationRequirements.name,
  schema: evaluationTierRequirementsSchema,
  key: (p) => p.tier,
  description:
    'The policy requirements of a tier were set or seeded from configuration; carries the whole list, which replaces the previous one.',
});

// `runtime.launch.paused`: the decision held the launch (server status `pending-governance`) until gates clear.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeLaunchPausedSchema = z.object({
  launch_id: uuidSchema,
  server_id: uuidSchema,
  policy_decision_id: uuidSchema,
  /** The server status set while held: `pending-evaluation` when a certification gate held it, else `pending-governance`. */
  status: z.enum(['pending-governance', 'pending-evaluation']),
  evaluation_required: z.boolean(),
  governance_required: z.boolean(),
  /** The `evaluation:*`, `governance:*` and `promotion:*` notes that caused the hold. */
  notes: z.array(z.string()),
  paused_at: timestampSchema,
});

export const runtimeLaunchPausedEvent = defineEvent({
  type: 'runtime.launch.paused',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeLaunchPausedSchema,
  key: (p) => p.server_id,
  description:
    'A launch was paused pending governance, evaluation or promotion; the server status is `pending-governance` or `pending-evaluation`.',
});

// `runtime.launch.started`: the orchestrator dispatched a launch to an executor.
import { z } from 'zod';
import { timestampSchema, uuidSchema } from '../common.schema';
import { defineEvent } from '../event-definition';
import { TOPICS } from '../topics';

export const runtimeLaunchStartedSchema = z.object({
  launch_id: uuidSchema,
  server_id: uuidSchema,
  policy_decision_id: uuidSchema,
  backend: z.string().min(1),
  executor_name: z.string().min(1),
  image: z.string().min(1),
  /** Executor-side handle: container id, pod name or VM instance id. */
  instance_ref: z.string().nullable(),
  started_at: timestampSchema,
});

export const runtimeLaunchStartedEvent = defineEvent({
  type: 'runtime.launch.started',
  topic: TOPICS.runtimeLifecycle.name,
  schema: runtimeLaunchStartedSchema,
  key: (p) => p.server_id,
  description: 'The RuntimeOrchestrator started the server on the executor chosen by the policy decision.',
});

// The lifecycle console's HTTP shapes: the list query and page (`GET /api/lifecycle`) and the stream's filters
// (`GET /api/lifecycle/stream`), over the snapshot the `lifecycle.snapshot.updated` event carries.
import { z } from 'zod';
import { pageSchema } from './api/pagination.schema';
import { lifecycleQuerySchema } from './api/governance.schema';
import { lifecycleSnapshotSchema } from './events/lifecycle-snapshot-updated.event';

/**
 * The lifecycle states a server's console row can be in, derived in this order of precedence: `deleted`,
 * `quarantined` (its VM instance is), `remediating` (a run is open), `promoting` (a promotion is scheduled, in
 * progress or approved), `blocked` (its latest promotion was rejected), `rolled_back`, `active` (a promotion is
 * active), `built` (the ledger holds an artifact), `registered`.
 */
export const LIFECYCLE_STATES = [
  'registered',
  'built',
  'promoting',
  'active',
  'blocked',
  'rolled_back',
  'remediating',
  'quarantined',
  'deleted',
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** `GET /api/lifecycle`: `lifecycle_state`, `owner_id`, `promotion_lane` (`track/stage`, or a track name), keyset. */
export const lifecycleListQuerySchema = lifecycleQuerySchema;
export const lifecyclePageSchema = pageSchema(lifecycleSnapshotSchema);
export type LifecyclePage = z.infer<typeof lifecyclePageSchema>;

/** `GET /api/lifecycle/stream`: the same filters, matched against each delta. */
export const lifecycleStreamQuerySchema = z.object({
  lifecycle_state: z.string().min(1).optional(),
  owner_id: z.string().min(1).optional(),
  promotion_lane: z.string().min(1).optional(),
});
export type LifecycleStreamQuery = z.infer<typeof lifecycleStreamQuerySchema>;

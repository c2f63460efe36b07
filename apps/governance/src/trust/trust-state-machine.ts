// The trust registry's guard: which lifecycle moves a VM instance may make, and which trust status each lifecycle
// state may carry. The projection of executor events and operator transitions both go through it.
export const TRUST_LIFECYCLES = [
  'provisioned',
  'attesting',
  'trusted',
  'rejected',
  'running',
  'quarantined',
  'retired',
] as const;
export type TrustLifecycle = (typeof TRUST_LIFECYCLES)[number];

export const TRUST_STATUSES = ['pending', 'verified', 'failed', 'revoked'] as const;
export type TrustStatus = (typeof TRUST_STATUSES)[number];

const NEXT: Readonly<Record<TrustLifecycle, readonly TrustLifecycle[]>> = {
  provisioned: ['attesting', 'retired'],
  attesting: ['trusted', 'rejected', 'retired'],
  trusted: ['running', 'quarantined', 'retired'],
  rejected: ['retired'],
  running: ['quarantined', 'retired'],
  quarantined: ['retired'],
  retired: [],
};

const STATUSES_OF: Readonly<Record<TrustLifecycle, readonly TrustStatus[]>> = {
  provisioned: ['pending'],
  attesting: ['pending'],
  trusted: ['verified'],
  rejected: ['failed'],
  running: ['verified'],
  quarantined: ['verified', 'failed', 'revoked'],
  retired: ['pending', 'verified', 'failed', 'revoked'],
};

const isLifecycle = (s: string): s is TrustLifecycle => (TRUST_LIFECYCLES as readonly string[]).includes(s);

/** Whether a snapshot may go from (fromLifecycle) to (toStatus, toLifecycle); null means it has no snapshot yet. */
export function allowedTransition(
  fromLifecycle: string | null,
  toStatus: string,
  toLifecycle: string,
): boolean {
  if (!isLifecycle(toLifecycle)) return false;
  if (!(STATUSES_OF[toLifecycle] as readonly string[]).includes(toStatus)) return false;
  if (fromLifecycle === null) return true;
  return isLifecycle(fromLifecycle) && NEXT[fromLifecycle].includes(toLifecycle);
}

// The guarded lifecycle of a VM instance: provisioned → attesting → trusted | rejected → running → quarantined | retired.
export const VM_LIFECYCLES = [
  'provisioned',
  'attesting',
  'trusted',
  'rejected',
  'running',
  'quarantined',
  'retired',
] as const;
export type VmLifecycle = (typeof VM_LIFECYCLES)[number];

export const VM_TRANSITIONS: Readonly<Record<VmLifecycle, readonly VmLifecycle[]>> = {
  provisioned: ['attesting', 'retired'],
  attesting: ['trusted', 'rejected', 'retired'],
  trusted: ['running', 'quarantined', 'retired'],
  rejected: ['retired'],
  running: ['quarantined', 'retired'],
  quarantined: ['retired'],
  retired: [],
};

export function canTransition(from: string, to: string): boolean {
  return (VM_TRANSITIONS[from as VmLifecycle] ?? []).includes(to as VmLifecycle);
}

/** The attestation status an instance carries in each lifecycle state. */
export type AttestationStatus = 'pending' | 'verified' | 'failed';

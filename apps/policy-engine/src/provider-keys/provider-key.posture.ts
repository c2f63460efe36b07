// A key's posture against the clock: revoked and rotating come from its state; otherwise the rotation deadline
// decides (past → rotation_overdue, within the "soon" window → rotation_due_soon, else active).
import type { ProviderKeyPosture } from '@mcp-host/contracts';

export function computePosture(
  state: 'active' | 'rotating' | 'revoked',
  rotationDue: Date | null,
  now: Date,
  soonMs: number,
): ProviderKeyPosture {
  if (state === 'revoked') return 'revoked';
  if (state === 'rotating') return 'rotating';
  if (rotationDue === null) return 'active';
  const left = rotationDue.getTime() - now.getTime();
  if (left <= 0) return 'rotation_overdue';
  if (left <= soonMs) return 'rotation_due_soon';
  return 'active';
}

/** Placements depending on a key in this posture are vetoed. */
export function postureVetoes(p: ProviderKeyPosture): boolean {
  return p === 'revoked' || p === 'rotation_overdue';
}

/** The injectable clock posture is computed against; tests move it. */
export class ProviderKeyClock {
  now(): Date {
    return new Date();
  }
}

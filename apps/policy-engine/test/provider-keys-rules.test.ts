// The pure rules: posture against the clock at its boundaries, the veto, and the intelligence anomaly rule and scores.
import fc from 'fast-check';
import { computePosture, postureVetoes } from '../src/provider-keys/provider-key.posture';
import { isAnomaly, scoresOf, statusOf } from '../src/intelligence/intelligence.rules';

const NOW = new Date('2030-06-01T00:00:00Z');
const SOON = 7 * 86_400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe('provider key posture', () => {
  it('when the deadline is exactly now, then overdue; one ms later, due soon; past the window, active', () => {
    expect(computePosture('active', at(0), NOW, SOON)).toBe('rotation_overdue');
    expect(computePosture('active', at(1), NOW, SOON)).toBe('rotation_due_soon');
    expect(computePosture('active', at(SOON), NOW, SOON)).toBe('rotation_due_soon');
    expect(computePosture('active', at(SOON + 1), NOW, SOON)).toBe('active');
    expect(computePosture('active', null, NOW, SOON)).toBe('active');
  });

  it('when a key is revoked or rotating, then its state wins over any deadline', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: -1e12, max: 1e12 })), (offset) => {
        const due = offset === null ? null : at(offset);
        expect(computePosture('revoked', due, NOW, SOON)).toBe('revoked');
        expect(computePosture('rotating', due, NOW, SOON)).toBe('rotating');
      }),
    );
  });

  it('when a posture is revoked or overdue, then it vetoes; no other does', () => {
    expect(
      ['active', 'rotation_due_soon', 'rotation_overdue', 'rotating', 'revoked'].filter((p) =>
        postureVetoes(p as never),
      ),
    ).toEqual(['rotation_overdue', 'revoked']);
  });
});

describe('intelligence rules', () => {
  it('when the last hour has fewer than 3 or not more than 3x the baseline, then no anomaly', () => {
    expect(isAnomaly(2, 0)).toBe(false);
    expect(isAnomaly(3, 0)).toBe(true);
    expect(isAnomaly(3, 1)).toBe(false);
    expect(isAnomaly(4, 1)).toBe(true);
  });

  it('when counts are given, then every score stays within 0..100 and status follows the overall score', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 500 }), { minLength: 9, maxLength: 9 }), (n) => {
        const s = scoresOf(
          {
            build_succeeded: n[0],
            build_failed: n[1],
            push_retry: n[2],
            certification_pass: n[3],
            certification_fail: n[4],
            runtime_restart: n[5],
            runtime_unhealthy: n[6],
          },
          n[7] % 2 ? 'credential_healthy' : 'credential_unhealthy',
        );
        for (const v of Object.values(s)) if (v !== null) expect(v >= 0 && v <= 100).toBe(true);
      }),
    );
    expect(statusOf(null, 0)).toBe('unknown');
    expect(statusOf(49, 0)).toBe('at_risk');
    expect(statusOf(79, 0)).toBe('degraded');
    expect(statusOf(95, 1)).toBe('degraded');
    expect(statusOf(95, 0)).toBe('healthy');
  });
});

// The anomaly rule and the scores, as pure functions over counts (documented in the service README).
import type { IntelligenceSignal, ServerIntelligence } from '@mcp-host/contracts';

/** Signals that count against a server; only these raise anomaly notes. */
export const ADVERSE_SIGNALS: readonly IntelligenceSignal[] = [
  'build_failed',
  'push_retry',
  'credential_unhealthy',
  'certification_fail',
  'runtime_restart',
  'runtime_unhealthy',
  'remediation_enqueued',
  'remediation_failed',
  'remediation_sla_breached',
];

/** An anomaly needs at least this many observations in the last hour … */
export const ANOMALY_MIN_COUNT = 3;
/** … and more than this factor times the mean hourly rate of the 23 hours before. */
export const ANOMALY_FACTOR = 3;
/** Scores read the signals of this window. */
export const SCORE_WINDOW_MS = 7 * 86_400_000;

export function isAnomaly(lastHour: number, baselinePerHour: number): boolean {
  return lastHour >= ANOMALY_MIN_COUNT && lastHour > ANOMALY_FACTOR * baselinePerHour;
}

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

export function scoresOf(
  c: Partial<Record<IntelligenceSignal, number>>,
  latestCredential: 'credential_healthy' | 'credential_unhealthy' | undefined,
): ServerIntelligence['scores'] {
  const n = (s: IntelligenceSignal) => c[s] ?? 0;
  const builds = n('build_succeeded') + n('build_failed');
  const certs = n('certification_pass') + n('certification_fail');
  const runtime = n('runtime_restart') + n('runtime_unhealthy');
  return {
    build_success: builds ? clamp((100 * n('build_succeeded')) / builds) : null,
    // Each push retry per build costs a quarter of the score.
    push_reliability:
      builds || n('push_retry') ? clamp(100 - (25 * n('push_retry')) / Math.max(1, builds)) : null,
    credential_health:
      latestCredential === undefined ? null : latestCredential === 'credential_healthy' ? 100 : 0,
    certification: certs ? clamp((100 * n('certification_pass')) / certs) : null,
    // Each restart costs 10 points, each unhealthy period 20.
    runtime_stability: runtime ? clamp(100 - 10 * n('runtime_restart') - 20 * n('runtime_unhealthy')) : null,
  };
}

export function statusOf(overall: number | null, recentAnomalies: number): ServerIntelligence['status'] {
  if (overall === null) return recentAnomalies > 0 ? 'degraded' : 'unknown';
  if (overall < 50) return 'at_risk';
  if (overall < 80 || recentAnomalies > 0) return 'degraded';
  return 'healthy';
}

/**
 * Remediation runs of the server that succeeded among those finished; each run past its SLA costs 10 points.
 * Undefined without any remediation signal: the score is left out of the answer rather than null.
 */
export function remediationScoreOf(c: Partial<Record<IntelligenceSignal, number>>): number | undefined {
  const succeeded = c.remediation_succeeded ?? 0;
  const finished = succeeded + (c.remediation_failed ?? 0);
  const breached = c.remediation_sla_breached ?? 0;
  if (!finished && !breached) return undefined;
  return clamp((finished ? (100 * succeeded) / finished : 100) - 10 * breached);
}

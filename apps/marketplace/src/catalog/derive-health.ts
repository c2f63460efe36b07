// The health grade of a catalog entry from every signal the marketplace has: the build (status and credential
// posture), the certifications against the server's target tier, and runtime health once it is reported.
import type { ArtifactRun, EffectiveEvaluationStatus } from '@mcp-host/contracts';

export type HealthGrade = 'gold' | 'silver' | 'watchlist';

export interface DerivedHealth {
  grade: HealthGrade;
  issues: string[];
}

/** The part of a ledger run that grading reads. */
export type BuildSignal = Pick<
  ArtifactRun,
  | 'status'
  | 'credential_health_status'
  | 'auth_refresh_attempted'
  | 'auth_refresh_succeeded'
  | 'auth_rotation_attempted'
  | 'auth_rotation_succeeded'
  | 'manifest_digest'
  | 'platforms'
>;

export interface CertificationRecord {
  tier: string;
  policy_requirement: string;
  status: EffectiveEvaluationStatus;
}

export interface CertificationSignal {
  /** The server's target tier; only certifications for it count. Null: the server names none, so all count. */
  targetTier: string | null;
  /** The requirements of the target tier. */
  required: readonly string[];
  records: readonly CertificationRecord[];
}

/** Runtime health of the running server; no such events exist yet, so today this signal is always absent. */
export interface RuntimeSignal {
  status: 'healthy' | 'degraded' | 'unhealthy';
}

export interface HealthSignals {
  build?: BuildSignal;
  certifications?: CertificationSignal;
  runtime?: RuntimeSignal;
}

/**
 * Credential states that are no risk: a working credential, or none configured to go stale. The build-service
 * writes `unconfigured`; `not_configured` is the spec's older spelling, read the same way.
 */
const CREDENTIAL_OK = new Set(['healthy', 'ok', 'valid', 'unknown', 'unconfigured', 'not_configured']);

type Severity = 'watchlist' | 'silver';

function buildIssues(run: BuildSignal, add: (severity: Severity, issue: string) => void): void {
  if (run.status !== 'succeeded') add('watchlist', `build-${run.status}`);
  if (!CREDENTIAL_OK.has(run.credential_health_status))
    add('silver', `credentials-${run.credential_health_status}`);
  if (run.auth_refresh_attempted && !run.auth_refresh_succeeded) add('silver', 'auth-refresh-failed');
  if (run.auth_rotation_attempted && !run.auth_rotation_succeeded) add('silver', 'auth-rotation-failed');
  if (run.manifest_digest === null) add('silver', 'no-manifest-digest');
  if (run.platforms.length === 0) add('silver', 'no-platforms');
  for (const p of run.platforms) {
    if (!CREDENTIAL_OK.has(p.credential_health_status))
      add('silver', `credentials-${p.credential_health_status}:${p.platform}`);
    if (p.auth_refresh_attempted && !p.auth_refresh_succeeded)
      add('silver', `auth-refresh-failed:${p.platform}`);
    if (p.auth_rotation_attempted && !p.auth_rotation_succeeded)
      add('silver', `auth-rotation-failed:${p.platform}`);
    if (p.digest === null) add('silver', `no-digest:${p.platform}`);
  }
}

function certificationIssues(c: CertificationSignal, add: (severity: Severity, issue: string) => void): void {
  const counted = c.records.filter((r) => c.targetTier === null || r.tier === c.targetTier);
  for (const r of counted) {
    const what = `${r.tier}:${r.policy_requirement}`;
    if (r.status === 'fail') add('watchlist', `evaluation-failed:${what}`);
    else if (r.status === 'expired') add('silver', `evaluation-expired:${what}`);
    else if (r.status === 'pending') add('silver', `evaluation-pending:${what}`);
  }
  if (c.targetTier !== null) {
    const present = new Set(counted.map((r) => r.policy_requirement));
    for (const req of c.required)
      if (!present.has(req)) add('silver', `evaluation-missing:${c.targetTier}:${req}`);
  }
}

/**
 * `watchlist` without a successful build, with a failed certification or an unhealthy runtime; `silver` with any
 * other issue (credentials, a pending, expired or missing certification, a degraded runtime); `gold` with none.
 */
export function deriveHealth(signals: HealthSignals): DerivedHealth {
  if (!signals.build) return { grade: 'watchlist', issues: ['no-build'] };
  const issues: string[] = [];
  let grade: HealthGrade = 'gold';
  const add = (severity: Severity, issue: string): void => {
    issues.push(issue);
    if (severity === 'watchlist') grade = 'watchlist';
    else if (grade === 'gold') grade = 'silver';
  };
  buildIssues(signals.build, add);
  if (signals.certifications) certificationIssues(signals.certifications, add);
  if (signals.runtime?.status === 'unhealthy') add('watchlist', 'runtime-unhealthy');
  if (signals.runtime?.status === 'degraded') add('silver', 'runtime-degraded');
  return { grade, issues };
}

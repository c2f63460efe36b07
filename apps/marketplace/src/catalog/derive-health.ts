// The health grade and issue list of an artifact run, from its build status and credential posture.
import type { ArtifactRun } from '@mcp-host/contracts';

export type HealthGrade = 'gold' | 'silver' | 'watchlist';

export interface DerivedHealth {
  grade: HealthGrade;
  issues: string[];
}

// Credential states that are not a risk: a working credential, or none configured to go stale.
const CREDENTIAL_OK = new Set(['healthy', 'ok', 'valid', 'unknown', 'not_configured']);

/**
 * `watchlist` without a successful build, `gold` for a successful build with clean credentials on every platform,
 * `silver` for a successful build that carries any issue.
 */
export function deriveHealth(run: ArtifactRun | undefined): DerivedHealth {
  if (!run) return { grade: 'watchlist', issues: ['no-build'] };
  const issues: string[] = [];
  if (run.status !== 'succeeded') issues.push(`build-${run.status}`);
  if (!CREDENTIAL_OK.has(run.credential_health_status))
    issues.push(`credentials-${run.credential_health_status}`);
  if (run.auth_refresh_attempted && !run.auth_refresh_succeeded) issues.push('auth-refresh-failed');
  if (run.auth_rotation_attempted && !run.auth_rotation_succeeded) issues.push('auth-rotation-failed');
  if (run.manifest_digest === null) issues.push('no-manifest-digest');
  if (run.platforms.length === 0) issues.push('no-platforms');
  for (const p of run.platforms) {
    if (!CREDENTIAL_OK.has(p.credential_health_status)) {
      issues.push(`credentials-${p.credential_health_status}:${p.platform}`);
    }
    if (p.auth_refresh_attempted && !p.auth_refresh_succeeded)
      issues.push(`auth-refresh-failed:${p.platform}`);
    if (p.auth_rotation_attempted && !p.auth_rotation_succeeded)
      issues.push(`auth-rotation-failed:${p.platform}`);
    if (p.digest === null) issues.push(`no-digest:${p.platform}`);
  }
  const grade: HealthGrade =
    run.status !== 'succeeded' ? 'watchlist' : issues.length === 0 ? 'gold' : 'silver';
  return { grade, issues };
}

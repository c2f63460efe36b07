// The catalog's health grades: every combination of build, credential, certification and runtime signal, and that
// each grade (gold included) is reachable from real ledger values.
import type { ArtifactRun } from '@mcp-host/contracts';
import {
  deriveHealth,
  type CertificationSignal,
  type HealthSignals,
  type RuntimeSignal,
} from './derive-health';

const digest = 'sha256:0123456789abcdef';

function run(over: Partial<ArtifactRun> = {}): ArtifactRun {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    server_id: '00000000-0000-4000-8000-000000000002',
    build_id: null,
    source_repo: 'https://git.example/r.git',
    source_branch: 'main',
    source_revision: null,
    local_image: 'local/r:1',
    registry_image: 'registry.example/r:1',
    manifest_tag: '1',
    manifest_digest: digest,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:01:00.000Z',
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'healthy',
    status: 'succeeded',
    platforms: [
      {
        platform: 'linux/amd64',
        remote_image: `registry.example/r@${digest}`,
        digest,
        auth_refresh_attempted: false,
        auth_refresh_succeeded: false,
        auth_rotation_attempted: false,
        auth_rotation_succeeded: false,
        credential_health_status: 'healthy',
      },
    ],
    ...over,
  };
}

/** A build as the build-service writes it when no dockerconfig is configured. */
function unconfigured(): ArtifactRun {
  const r = run({ credential_health_status: 'unconfigured' });
  return { ...r, platforms: r.platforms.map((p) => ({ ...p, credential_health_status: 'unconfigured' })) };
}

const certs = (status: 'pass' | 'pending' | 'fail' | 'expired' | 'missing'): CertificationSignal => ({
  targetTier: 'gold',
  required: ['security-scan'],
  records: status === 'missing' ? [] : [{ tier: 'gold', policy_requirement: 'security-scan', status }],
});

type Build = 'none' | 'succeeded' | 'failed';
type Credentials = 'clean' | 'unconfigured' | 'not_configured' | 'expired';
type Certs = 'none-required' | 'pass' | 'pending' | 'fail' | 'expired' | 'missing';
type Runtime = 'absent' | RuntimeSignal['status'];

function signals(build: Build, credentials: Credentials, cert: Certs, runtime: Runtime): HealthSignals {
  if (build === 'none') return {};
  let b: ArtifactRun =
    credentials === 'unconfigured'
      ? unconfigured()
      : run({
          credential_health_status:
            credentials === 'clean' ? 'healthy' : credentials === 'expired' ? 'expired' : 'not_configured',
        });
  if (build === 'failed') b = { ...b, status: 'failed' };
  return {
    build: b,
    certifications:
      cert === 'none-required' ? { targetTier: 'gold', required: [], records: [] } : certs(cert),
    runtime: runtime === 'absent' ? undefined : { status: runtime },
  };
}

/** The rule the table checks against, written independently of the implementation's structure. */
function expectedGrade(build: Build, credentials: Credentials, cert: Certs, runtime: Runtime): string {
  if (build !== 'succeeded' || cert === 'fail' || runtime === 'unhealthy') return 'watchlist';
  if (credentials === 'expired' || ['pending', 'expired', 'missing'].includes(cert) || runtime === 'degraded')
    return 'silver';
  return 'gold';
}

const BUILDS: Build[] = ['none', 'succeeded', 'failed'];
const CREDENTIALS: Credentials[] = ['clean', 'unconfigured', 'not_configured', 'expired'];
const CERTS: Certs[] = ['none-required', 'pass', 'pending', 'fail', 'expired', 'missing'];
const RUNTIMES: Runtime[] = ['absent', 'healthy', 'degraded', 'unhealthy'];

const combinations = BUILDS.flatMap((b) =>
  CREDENTIALS.flatMap((c) => CERTS.flatMap((e) => RUNTIMES.map((r) => [b, c, e, r] as const))),
);

describe('deriveHealth', () => {
  it.each(combinations)(
    'when the build is %s, credentials %s, certification %s and runtime %s, then the grade follows the rule',
    (build, credentials, cert, runtime) => {
      const health = deriveHealth(signals(build, credentials, cert, runtime));
      expect(health.grade).toBe(
        build === 'none' ? 'watchlist' : expectedGrade(build, credentials, cert, runtime),
      );
      // Gold means nothing to report; any other grade names at least one reason.
      expect(health.issues.length === 0).toBe(health.grade === 'gold');
    },
  );

  it('when there is no build, then the grade is watchlist with a no-build issue', () => {
    expect(deriveHealth({})).toEqual({ grade: 'watchlist', issues: ['no-build'] });
  });

  it('when the build-service reports unconfigured credentials, then a clean build is gold', () => {
    expect(deriveHealth({ build: unconfigured() })).toEqual({ grade: 'gold', issues: [] });
  });

  it('when every required certification passes, then gold is reachable with requirements', () => {
    expect(deriveHealth({ build: unconfigured(), certifications: certs('pass') })).toEqual({
      grade: 'gold',
      issues: [],
    });
  });

  it('when certifications are failed, expired, pending or missing, then each is named with its tier', () => {
    const health = deriveHealth({
      build: run(),
      certifications: {
        targetTier: 'gold',
        required: ['a', 'b', 'c', 'd'],
        records: [
          { tier: 'gold', policy_requirement: 'a', status: 'fail' },
          { tier: 'gold', policy_requirement: 'b', status: 'expired' },
          { tier: 'gold', policy_requirement: 'c', status: 'pending' },
          { tier: 'silver', policy_requirement: 'x', status: 'fail' },
        ],
      },
    });
    expect(health).toEqual({
      grade: 'watchlist',
      issues: [
        'evaluation-failed:gold:a',
        'evaluation-expired:gold:b',
        'evaluation-pending:gold:c',
        'evaluation-missing:gold:d',
      ],
    });
  });

  it('when the server names no target tier, then every certification counts and none is missing', () => {
    expect(
      deriveHealth({
        build: run(),
        certifications: {
          targetTier: null,
          required: [],
          records: [{ tier: 'silver', policy_requirement: 'x', status: 'expired' }],
        },
      }),
    ).toEqual({ grade: 'silver', issues: ['evaluation-expired:silver:x'] });
  });

  it('when a succeeded build carries credential problems, then the grade is silver and each problem is listed', () => {
    const [platform] = run().platforms;
    const health = deriveHealth({
      build: run({
        credential_health_status: 'expiring',
        auth_rotation_attempted: true,
        auth_rotation_succeeded: false,
        platforms: [
          { ...platform, credential_health_status: 'expired', auth_refresh_attempted: true },
          { ...platform, platform: 'linux/arm64', digest: null },
        ],
      }),
    });
    expect(health).toEqual({
      grade: 'silver',
      issues: [
        'credentials-expiring',
        'auth-rotation-failed',
        'credentials-expired:linux/amd64',
        'auth-refresh-failed:linux/amd64',
        'no-digest:linux/arm64',
      ],
    });
  });

  it('when the run has no manifest digest or platforms, then both are issues', () => {
    expect(deriveHealth({ build: run({ manifest_digest: null, platforms: [] }) })).toEqual({
      grade: 'silver',
      issues: ['no-manifest-digest', 'no-platforms'],
    });
  });
});

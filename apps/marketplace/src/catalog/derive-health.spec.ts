// The catalog's health grades: which build and credential states make gold, silver or watchlist.
import type { ArtifactRun } from '@mcp-host/contracts';
import { deriveHealth } from './derive-health';

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

describe('deriveHealth', () => {
  it('when there is no build, then the grade is watchlist with a no-build issue', () => {
    expect(deriveHealth(undefined)).toEqual({ grade: 'watchlist', issues: ['no-build'] });
  });

  it('when the build succeeded with clean credentials, then the grade is gold with no issues', () => {
    expect(deriveHealth(run())).toEqual({ grade: 'gold', issues: [] });
  });

  it('when a refresh that was attempted succeeded, then it is not an issue', () => {
    expect(deriveHealth(run({ auth_refresh_attempted: true, auth_refresh_succeeded: true }))).toEqual({
      grade: 'gold',
      issues: [],
    });
  });

  it('when the build failed, then the grade is watchlist whatever the credentials', () => {
    expect(deriveHealth(run({ status: 'failed' }))).toEqual({ grade: 'watchlist', issues: ['build-failed'] });
  });

  it('when a succeeded build carries credential problems, then the grade is silver and each problem is listed', () => {
    const [platform] = run().platforms;
    const health = deriveHealth(
      run({
        credential_health_status: 'expiring',
        auth_rotation_attempted: true,
        auth_rotation_succeeded: false,
        platforms: [
          { ...platform, credential_health_status: 'expired', auth_refresh_attempted: true },
          { ...platform, platform: 'linux/arm64', digest: null },
        ],
      }),
    );
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
    expect(deriveHealth(run({ manifest_digest: null, platforms: [] }))).toEqual({
      grade: 'silver',
      issues: ['no-manifest-digest', 'no-platforms'],
    });
  });
});

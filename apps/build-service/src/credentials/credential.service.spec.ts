import { assessHealth } from './credential.service';

const opts = { configured: true, maxAgeSeconds: 86400, leadSeconds: 3600, rotationConfigured: true };
const now = new Date('2026-06-01T12:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('assessHealth', () => {
  it('when the dockerconfig is fresh, then healthy with no rotation recommended', () => {
    expect(assessHealth(ago(60), now, opts)).toEqual({
      status: 'healthy',
      issued_at: '2026-06-01T11:59:00.000Z',
      expires_at: '2026-06-02T11:59:00.000Z',
      rotate_at: '2026-06-02T10:59:00.000Z',
      seconds_until_expiry: 86340,
      rotation_recommended: false,
      rotation_configured: true,
    });
  });

  it('when it is older than max age minus lead, then expiring and rotation is recommended', () => {
    expect(assessHealth(ago(86400 - 1800), now, opts)).toMatchObject({
      status: 'expiring',
      seconds_until_expiry: 1800,
      rotation_recommended: true,
    });
  });

  it('when it is older than max age, then expired', () => {
    expect(assessHealth(ago(90000), now, { ...opts, rotationConfigured: false })).toMatchObject({
      status: 'expired',
      seconds_until_expiry: -3600,
      rotation_recommended: true,
      rotation_configured: false,
    });
  });

  it('when no dockerconfig is configured or the file is missing, then unconfigured or missing', () => {
    expect(assessHealth(undefined, now, { ...opts, configured: false })).toMatchObject({
      status: 'unconfigured',
      rotation_recommended: false,
    });
    expect(assessHealth(undefined, now, opts)).toMatchObject({ status: 'missing', expires_at: null });
  });
});

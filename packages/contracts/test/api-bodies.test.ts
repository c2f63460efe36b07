// REST bodies: defaults, optimistic-locking tokens and query coercion behave as the services and CLI expect.
import {
  approveRemediationBodySchema,
  createServerBodySchema,
  errorBodySchema,
  EVENT_EXAMPLES,
  metricSchema,
  registerProviderKeyBodySchema,
  serverListQuerySchema,
  serverListResponseSchema,
  trustRegistryQuerySchema,
  updateServerBodySchema,
  upsertEvaluationBodySchema,
} from '../src';

describe('servers bodies', () => {
  it('when a server is created with only name and type, then branch and Dockerfile take their defaults', () => {
    expect(createServerBodySchema.parse({ name: 'router', server_type: 'Router' })).toEqual({
      name: 'router',
      server_type: 'Router',
      source_branch: 'main',
      dockerfile_path: 'Dockerfile',
    });
  });

  it('when a server name breaks the pattern or length, then creation is refused', () => {
    for (const name of ['', '-leading-dash', 'has space', 'x'.repeat(129), 'a/b']) {
      expect(createServerBodySchema.safeParse({ name, server_type: 'Router' }).success).toBe(false);
    }
    expect(createServerBodySchema.safeParse({ name: 'Mixed.Case_1', server_type: 'Router' }).success).toBe(
      true,
    );
  });

  it('when an update omits version, then it is refused; with version every other field is optional', () => {
    expect(updateServerBodySchema.safeParse({ tier: 'gold' }).success).toBe(false);
    expect(updateServerBodySchema.parse({ version: 3 })).toEqual({ version: 3 });
    expect(updateServerBodySchema.safeParse({ version: 0 }).success).toBe(false);
  });

  it('when the list query arrives as text, then limit is coerced, defaulted and bounded', () => {
    expect(serverListQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(serverListQuerySchema.parse({ limit: '200', q: 'rout' })).toEqual({ limit: 200, q: 'rout' });
    expect(serverListQuerySchema.safeParse({ limit: '201' }).success).toBe(false);
    expect(serverListQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(serverListQuerySchema.safeParse({ limit: 'ten' }).success).toBe(false);
  });

  it('when a page is returned, then it carries items and a nullable next_cursor', () => {
    const page = { items: [EVENT_EXAMPLES['server.updated']], next_cursor: null };
    expect(serverListResponseSchema.parse(page)).toEqual(page);
  });
});

describe('other bodies', () => {
  it('when an error body is built, then code and message are required and details optional', () => {
    expect(errorBodySchema.safeParse({ error: { code: 'VERSION_CONFLICT', message: 'stale' } }).success).toBe(
      true,
    );
    expect(errorBodySchema.safeParse({ error: { message: 'no code' } }).success).toBe(false);
  });

  it('when an evaluation omits its digest, then it is accepted so the run digest can fill it', () => {
    const body = { tier: 'gold', policy_requirement: 'security-scan', status: 'pass' };
    expect(upsertEvaluationBodySchema.parse(body)).toEqual(body);
    expect(upsertEvaluationBodySchema.safeParse({ ...body, status: 'passed' }).success).toBe(false);
  });

  it('when a remediation approval lacks its version token, then it is refused', () => {
    expect(approveRemediationBodySchema.safeParse({ approval_state: 'approved' }).success).toBe(false);
    expect(approveRemediationBodySchema.safeParse({ approval_state: 'approved', version: 2 }).success).toBe(
      true,
    );
  });

  it('when trust filters arrive as text, then stale is a real boolean', () => {
    expect(trustRegistryQuerySchema.parse({ stale: 'false' })).toEqual({ stale: false, limit: 50 });
    expect(trustRegistryQuerySchema.safeParse({ stale: 'yes' }).success).toBe(false);
  });

  it('when a key is registered, then the signature must be base64 and the digest an OCI digest', () => {
    const body = { attestation_digest: `sha256:${'a'.repeat(64)}`, attestation_signature: 'aGVsbG8=' };
    expect(registerProviderKeyBodySchema.safeParse(body).success).toBe(true);
    expect(
      registerProviderKeyBodySchema.safeParse({ ...body, attestation_signature: 'not base64!' }).success,
    ).toBe(false);
    expect(registerProviderKeyBodySchema.safeParse({ ...body, attestation_digest: 'abc' }).success).toBe(
      false,
    );
  });

  it('when a metric row is served, then it is the telemetry event with id and time required', () => {
    const { id: _id, ...withoutId } = EVENT_EXAMPLES['build.telemetry'];
    expect(metricSchema.safeParse(EVENT_EXAMPLES['build.telemetry']).success).toBe(true);
    expect(metricSchema.safeParse(withoutId).success).toBe(false);
  });
});

// The events registry and parseEvent, the validation helper every consumer shares.
import {
  eventDefinition,
  EVENTS,
  isEventType,
  parseEvent,
  registryTelemetryDetailsSchema,
  TOPICS,
} from '../src';

const SERVER_ID = '3f1c2a9e-7b4d-4c1e-9a2b-5d6e7f809a1b';

const server = {
  id: SERVER_ID,
  name: 'github-router',
  server_type: 'Router',
  source_repository: 'https://github.com/acme/router',
  source_branch: 'main',
  dockerfile_path: 'Dockerfile',
  tier: null,
  owner: 'ops',
  status: 'ready',
  version: 1,
  created_at: '2026-11-23T07:00:00.000Z',
  updated_at: '2026-11-23T07:00:00.000Z',
};

const telemetry = {
  server_id: SERVER_ID,
  build_id: null,
  event: 'push_retry',
  details: {
    attempt: 2,
    retry_limit: 3,
    registry_endpoint: 'registry.local:5000',
    error_kind: 'transport',
    auth_expired: false,
    platform: 'linux/amd64',
    reason: 'auth_refresh',
    target: 'registry.push',
    custom_dashboard_key: 42,
  },
};

describe('events registry', () => {
  it('when EVENTS is keyed, then every key equals its definition type', () => {
    for (const [type, definition] of Object.entries(EVENTS)) expect(definition.type).toBe(type);
  });

  it('when event types are named, then they are dotted lowercase', () => {
    for (const type of Object.keys(EVENTS)) expect(type).toMatch(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/);
  });

  it('when a server snapshot is parsed, then it is accepted with inferred types', () => {
    const result = parseEvent('server.registered', server);
    expect(result).toEqual({ ok: true, value: server });
    if (result.ok) expect(result.value.version).toBe(1);
  });

  it('when a server event is keyed, then the key is the server id', () => {
    expect(EVENTS['server.updated'].key(server)).toBe(SERVER_ID);
    expect(TOPICS.servers.key).toBe('id');
  });

  it('when a payload is invalid, then the reason is one line naming each bad path', () => {
    const result = parseEvent('server.registered', { ...server, id: 'not-a-uuid', version: 0, name: '-bad' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).not.toContain('\n');
      expect(result.reason).toContain('server.registered');
      expect(result.reason).toMatch(/id: Invalid UUID/);
      expect(result.reason).toMatch(/version: /);
      expect(result.reason).toMatch(/name: /);
    }
  });

  it('when the payload is not an object, then the reason points at the root', () => {
    const result = parseEvent('server.deleted', 'nope');
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('(root)') });
  });

  it('when an unknown type is smuggled in, then parseEvent refuses it without throwing', () => {
    const result = parseEvent('constructor' as 'server.deleted', {});
    expect(result).toEqual({ ok: false, reason: 'unknown event type: constructor' });
    expect(eventDefinition('__proto__')).toBeUndefined();
    expect(isEventType('toString')).toBe(false);
    expect(eventDefinition('server.deleted')).toBe(EVENTS['server.deleted']);
  });

  it('when a producer adds a field, then consumers accept the message and strip the field', () => {
    const result = parseEvent('server.updated', { ...server, brand_new_field: true });
    expect(result.ok && !('brand_new_field' in result.value)).toBe(true);
  });

  it('when registry telemetry carries extra detail keys, then they pass through', () => {
    const result = parseEvent('build.telemetry', telemetry);
    expect(result.ok && result.value.details.custom_dashboard_key).toBe(42);
  });

  it('when registry telemetry lacks a pinned detail key, then it is rejected naming the key', () => {
    const { auth_expired: _dropped, ...details } = telemetry.details;
    const result = parseEvent('build.telemetry', { ...telemetry, details });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('details.auth_expired') });
    expect(registryTelemetryDetailsSchema.safeParse(details).success).toBe(false);
  });

  it('when the telemetry event name is not in the spec list, then it is rejected', () => {
    const result = parseEvent('build.telemetry', { ...telemetry, event: 'push_exploded' });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('event: ') });
  });
});

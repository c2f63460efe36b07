// CloudEvents envelope: attributes survive a Kafka header round trip, and a broken envelope names its header.
import {
  EnvelopeError,
  fromKafkaHeaders,
  newEventAttributes,
  toKafkaHeaders,
  TRACEPARENT_PATTERN,
} from '../src';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('CloudEvents envelope', () => {
  it('when attributes are built without id or time, then they get a UUID, the current time and spec 1.0', () => {
    const before = Date.now();
    const attrs = newEventAttributes({ type: 'server.registered', source: '/policy-engine' });
    expect(attrs.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(attrs.time)).toBeGreaterThanOrEqual(before - 1);
    expect(attrs.specversion).toBe('1.0');
    expect(attrs.datacontenttype).toBe('application/json');
    expect(attrs).not.toHaveProperty('subject');
    expect(attrs).not.toHaveProperty('traceparent');
  });

  it('when attributes go to Kafka headers and back as Buffers, then they are unchanged', () => {
    const attrs = newEventAttributes({
      type: 'build.telemetry',
      source: '/build-service',
      subject: 'server/123',
      traceparent: TRACEPARENT,
      id: 'evt-1',
      time: new Date('2026-01-02T03:04:05.000Z'),
    });
    const headers = toKafkaHeaders(attrs);
    expect(headers).toEqual({
      ce_id: 'evt-1',
      ce_type: 'build.telemetry',
      ce_source: '/build-service',
      ce_time: '2026-01-02T03:04:05.000Z',
      ce_specversion: '1.0',
      ce_subject: 'server/123',
      'content-type': 'application/json',
      traceparent: TRACEPARENT,
    });
    const asBuffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromKafkaHeaders(asBuffers)).toEqual(attrs);
  });

  it('when optional attributes are absent, then no ce_subject or traceparent header is written', () => {
    const headers = toKafkaHeaders(newEventAttributes({ type: 't', source: 's' }));
    expect(Object.keys(headers).sort()).toEqual(
      ['ce_id', 'ce_source', 'ce_specversion', 'ce_time', 'ce_type', 'content-type'].sort(),
    );
  });

  it('when a header repeats, then the first value is used', () => {
    const headers = {
      ...toKafkaHeaders(newEventAttributes({ type: 't', source: 's', id: 'a' })),
      ce_id: ['a', 'b'],
    };
    expect(fromKafkaHeaders(headers).id).toBe('a');
  });

  it.each(['ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_specversion'])(
    'when %s is missing, then EnvelopeError names it',
    (name) => {
      const headers: Record<string, string | undefined> = toKafkaHeaders(
        newEventAttributes({ type: 't', source: 's' }),
      );
      headers[name] = undefined;
      expect(() => fromKafkaHeaders(headers)).toThrow(EnvelopeError);
      expect(() => fromKafkaHeaders(headers)).toThrow(name);
    },
  );

  it('when there are no headers at all, then EnvelopeError is thrown', () => {
    expect(() => fromKafkaHeaders(undefined)).toThrow(EnvelopeError);
  });

  it('when ce_specversion is not 1.0, then EnvelopeError names ce_specversion', () => {
    const headers = {
      ...toKafkaHeaders(newEventAttributes({ type: 't', source: 's' })),
      ce_specversion: '0.3',
    };
    expect(() => fromKafkaHeaders(headers)).toThrow(/ce_specversion/);
  });

  it('when ce_time is not a date, then EnvelopeError names ce_time', () => {
    const headers = {
      ...toKafkaHeaders(newEventAttributes({ type: 't', source: 's' })),
      ce_time: 'yesterday',
    };
    expect(() => fromKafkaHeaders(headers)).toThrow(/ce_time/);
  });

  it('when content-type is not JSON, then EnvelopeError names content-type', () => {
    const headers = {
      ...toKafkaHeaders(newEventAttributes({ type: 't', source: 's' })),
      'content-type': 'text/xml',
    };
    expect(() => fromKafkaHeaders(headers)).toThrow(/content-type/);
  });

  it('when the traceparent header is malformed, then it is dropped and the message still parses', () => {
    const headers = {
      ...toKafkaHeaders(newEventAttributes({ type: 't', source: 's' })),
      traceparent: 'garbage',
    };
    expect(fromKafkaHeaders(headers)).not.toHaveProperty('traceparent');
  });

  it('when a caller builds attributes with a malformed traceparent, then EnvelopeError is thrown', () => {
    expect(() => newEventAttributes({ type: 't', source: 's', traceparent: '00-zz-01' })).toThrow(
      EnvelopeError,
    );
  });

  it('when traceparent ids are all zero, then the pattern refuses them', () => {
    expect(TRACEPARENT_PATTERN.test(TRACEPARENT)).toBe(true);
    expect(TRACEPARENT_PATTERN.test(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBe(false);
    expect(TRACEPARENT_PATTERN.test(`00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`)).toBe(false);
  });
});

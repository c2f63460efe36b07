// CloudEvents 1.0 envelope in Kafka binary mode: attributes travel as `ce_*` headers, the value is the JSON payload.
import { randomUUID } from 'node:crypto';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** W3C trace-context `traceparent`: version-traceid-parentid-flags, lowercase hex, all-zero ids are invalid. */
export const TRACEPARENT_PATTERN =
  /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
  specversion: '1.0';
  subject?: string;
  datacontenttype: 'application/json';
  traceparent?: string;
}

/** Thrown when Kafka headers do not form a valid CloudEvents envelope; the message names the header. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

export function newEventAttributes(input: {
  type: string;
  source: string;
  subject?: string;
  traceparent?: string;
  id?: string;
  time?: Date | string;
}): CloudEventAttributes {
  const time = input.time === undefined ? new Date() : new Date(input.time);
  if (Number.isNaN(time.getTime())) {
    throw new EnvelopeError(`invalid event time: ${String(input.time)}`);
  }
  if (input.type.length === 0) throw new EnvelopeError('event type must not be empty');
  if (input.source.length === 0) throw new EnvelopeError('event source must not be empty');
  if (input.traceparent !== undefined && !TRACEPARENT_PATTERN.test(input.traceparent)) {
    throw new EnvelopeError(`invalid traceparent: ${input.traceparent}`);
  }
  const attrs: CloudEventAttributes = {
    id: input.id ?? randomUUID(),
    type: input.type,
    source: input.source,
    time: time.toISOString(),
    specversion: CLOUDEVENTS_SPEC_VERSION,
    datacontenttype: 'application/json',
  };
  // Optional attributes are left out rather than set to undefined so round trips compare equal.
  if (input.subject !== undefined) attrs.subject = input.subject;
  if (input.traceparent !== undefined) attrs.traceparent = input.traceparent;
  return attrs;
}

export function toKafkaHeaders(attrs: CloudEventAttributes): Record<string, string> {
  const headers: Record<string, string> = {
    ce_id: attrs.id,
    ce_type: attrs.type,
    ce_source: attrs.source,
    ce_time: attrs.time,
    ce_specversion: attrs.specversion,
    'content-type': attrs.datacontenttype,
  };
  if (attrs.subject !== undefined) headers.ce_subject = attrs.subject;
  if (attrs.traceparent !== undefined) headers.traceparent = attrs.traceparent;
  return headers;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

// kafkajs hands headers over as Buffers (or arrays when a header repeats); the first value wins.
function headerText(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const raw = headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function requiredHeader(headers: Record<string, HeaderValue>, name: string): string {
  const value = headerText(headers, name);
  if (value === undefined || value.length === 0) {
    throw new EnvelopeError(`missing CloudEvents header ${name}`);
  }
  return value;
}

export function fromKafkaHeaders(headers: Record<string, HeaderValue> | undefined): CloudEventAttributes {
  if (headers === undefined)
    throw new EnvelopeError('missing CloudEvents header ce_id (message has no headers)');
  const id = requiredHeader(headers, 'ce_id');
  const type = requiredHeader(headers, 'ce_type');
  const source = requiredHeader(headers, 'ce_source');
  const time = requiredHeader(headers, 'ce_time');
  const specversion = requiredHeader(headers, 'ce_specversion');
  if (specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw new EnvelopeError(`invalid CloudEvents header ce_specversion: ${specversion} (expected 1.0)`);
  }
  if (Number.isNaN(Date.parse(time))) {
    throw new EnvelopeError(`invalid CloudEvents header ce_time: ${time}`);
  }
  const contentType = headerText(headers, 'content-type') ?? headerText(headers, 'ce_datacontenttype');
  // Tolerate parameters such as `; charset=utf-8`, but the payload must be JSON.
  if (contentType !== undefined && contentType.split(';')[0]?.trim().toLowerCase() !== 'application/json') {
    throw new EnvelopeError(`invalid header content-type: ${contentType} (expected application/json)`);
  }
  const attrs: CloudEventAttributes = {
    id,
    type,
    source,
    time,
    specversion: CLOUDEVENTS_SPEC_VERSION,
    datacontenttype: 'application/json',
  };
  const subject = headerText(headers, 'ce_subject');
  if (subject !== undefined) attrs.subject = subject;
  const traceparent = headerText(headers, 'traceparent');
  // W3C trace-context says to ignore a malformed traceparent and start a new trace, not to reject the message.
  if (traceparent !== undefined && TRACEPARENT_PATTERN.test(traceparent)) attrs.traceparent = traceparent;
  return attrs;
}

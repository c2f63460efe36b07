// Writes events into the outbox inside the caller's transaction, so an event exists exactly when its write commits.
import type { EntityManager } from 'typeorm';
import {
  eventDefinition,
  newEventAttributes,
  parseEvent,
  toKafkaHeaders,
  type EventPayload,
  type EventType,
} from '@mcp-host/contracts';
import { outgoingTraceparent } from '../telemetry/trace-context';

export const OUTBOX_CHANNEL = 'mcp_host_outbox';

export interface PublishOptions {
  /** CloudEvents subject; defaults to the Kafka key. */
  subject?: string;
  /** Overrides the registry's key function. */
  key?: string;
  /** A caller-chosen event id, for producers that must be idempotent themselves. */
  id?: string;
}

export class InvalidEventError extends Error {
  constructor(type: string, reason: string) {
    super(`Refusing to publish an invalid ${type} event: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

export class OutboxService {
  constructor(
    private readonly source: string,
    private readonly schema: string,
  ) {}

  /** Adds one event to the outbox through `manager`, which must be inside the business transaction. */
  async publish<T extends EventType>(
    manager: EntityManager,
    type: T,
    payload: EventPayload<T>,
    opts: PublishOptions = {},
  ): Promise<string> {
    const [id] = await this.publishMany(manager, [{ type, payload, ...opts }]);
    return id;
  }

  async publishMany(
    manager: EntityManager,
    events: ReadonlyArray<{ type: EventType; payload: unknown } & PublishOptions>,
  ): Promise<string[]> {
    if (events.length === 0) return [];
    const traceparent = outgoingTraceparent();
    const rows: unknown[] = [];
    const ids: string[] = [];
    const values: string[] = [];
    for (const e of events) {
      const def = eventDefinition(e.type);
      if (!def) throw new InvalidEventError(e.type, 'the type is not in the contracts registry');
      const parsed = parseEvent(e.type, e.payload);
      if (!parsed.ok) throw new InvalidEventError(e.type, parsed.reason);
      const key = e.key ?? def.key(parsed.value as never);
      const attrs = newEventAttributes({
        type: e.type,
        source: this.source,
        subject: e.subject ?? key,
        traceparent,
        id: e.id,
      });
      const n = rows.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb, $${n + 6}::jsonb)`);
      rows.push(
        attrs.id,
        def.topic,
        key,
        e.type,
        JSON.stringify(toKafkaHeaders(attrs)),
        JSON.stringify(parsed.value),
      );
      ids.push(attrs.id);
    }
    await manager.query(
      `INSERT INTO outbox (event_id, topic, event_key, event_type, headers, payload) VALUES ${values.join(', ')}`,
      rows,
    );
    // Delivered at commit only; wakes the relay without polling.
    await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, this.schema]);
    return ids;
  }
}

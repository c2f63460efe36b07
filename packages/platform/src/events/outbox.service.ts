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
import { CommonErrorCode, commonError } from '../http/api.exception';

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
    /** Largest serialised payload; a larger event is refused before anything is stored (EVENT_MAX_BYTES). */
    readonly maxEventBytes: number = 512 * 1024,
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
      const body = JSON.stringify(parsed.value);
      const size = Buffer.byteLength(body);
      if (size > this.maxEventBytes) {
        // Thrown inside the caller's transaction, so the business write rolls back with it: nothing is stored.
        throw commonError(
          CommonErrorCode.EVENT_TOO_LARGE,
          `The ${e.type} event this change would publish is ${size} bytes, over the ${this.maxEventBytes}-byte limit; send less data.`,
          { details: { event_type: e.type, bytes: size, limit: this.maxEventBytes } },
        );
      }
      const n = rows.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb, $${n + 6}::jsonb)`);
      rows.push(attrs.id, def.topic, key, e.type, JSON.stringify(toKafkaHeaders(attrs)), body);
      ids.push(attrs.id);
    }
    // One round trip: the rows, and a NOTIFY that is delivered at commit only and wakes the relay without polling.
    const n = rows.length;
    await manager.query(
      `WITH inserted AS (
         INSERT INTO outbox (event_id, topic, event_key, event_type, headers, payload) VALUES ${values.join(', ')}
         RETURNING 1)
       SELECT pg_notify($${n + 1}, $${n + 2}) FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row`,
      [...rows, OUTBOX_CHANNEL, this.schema],
    );
    return ids;
  }
}

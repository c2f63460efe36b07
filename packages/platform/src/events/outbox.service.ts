// Writes events into the outbox inside the caller's transaction, so an event exists exactly when its write commits.
// Inside a transaction of the data source it is attached to, an event is validated and sized when it is published and
// written with the transaction's other events in one statement right before COMMIT; a transaction that publishes at
// several places (a change and the follower it moves) pays one outbox round trip instead of one per place.
import type { DataSource, EntityManager } from 'typeorm';
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

/** One validated event, as the outbox row's parameters. */
type OutboxRow = [id: string, topic: string, key: string, type: string, headers: string, payload: string];

/** Rows per outbox statement. */
const WRITE_ROWS = 1000;

/** The rows a transaction has published and not yet written, per transaction (its manager). */
const pending = new WeakMap<EntityManager, OutboxRow[]>();
/** Transactions whose pre-commit write has begun: what they publish from then on is written at once. */
const committing = new WeakSet<EntityManager>();
/** Per transaction, where each open nested transaction (a TypeORM savepoint) started in its unwritten events. */
const nested = new WeakMap<EntityManager, number[]>();

/** What TypeORM hands a subscriber's transaction events. */
interface TransactionEvent {
  manager: EntityManager;
  queryRunner: { isTransactionActive: boolean; transactionDepth?: number };
}

/**
 * Where a savepoint of `manager`'s transaction starts, in its unwritten events; `rollbackOutboxTo` with it drops what
 * was published after it, as ROLLBACK TO SAVEPOINT drops the rows written after it.
 */
export function outboxSavepoint(manager: EntityManager): number {
  return pending.get(manager)?.length ?? 0;
}

export function rollbackOutboxTo(manager: EntityManager, mark: number): void {
  const rows = pending.get(manager);
  if (rows && rows.length > mark) rows.length = mark;
}

export class OutboxService {
  private attachedTo: DataSource | undefined;

  constructor(
    private readonly source: string,
    private readonly schema: string,
    /** Largest serialised payload; a larger event is refused before anything is stored (EVENT_MAX_BYTES). */
    readonly maxEventBytes: number = 512 * 1024,
  ) {}

  /**
   * Defers the writes of `dataSource`'s transactions to just before their COMMIT (a TypeORM subscriber: its
   * beforeTransactionCommit runs inside the transaction, and a failure there rolls it back). Without it, or outside a
   * transaction, every publish writes at once.
   */
  attach(dataSource: DataSource): void {
    if (this.attachedTo) return;
    this.attachedTo = dataSource;
    dataSource.subscribers.push({
      // A nested transaction (`manager.transaction` inside one) is a savepoint: its rollback drops only what was
      // published inside it.
      afterTransactionStart: (e: TransactionEvent) => {
        if ((e.queryRunner.transactionDepth ?? 1) <= 1) return;
        const marks = nested.get(e.manager) ?? [];
        marks.push(outboxSavepoint(e.manager));
        nested.set(e.manager, marks);
      },
      beforeTransactionCommit: (e: TransactionEvent) => this.writePending(e.manager),
      afterTransactionCommit: (e: TransactionEvent) => {
        committing.delete(e.manager);
        if (e.queryRunner.isTransactionActive) nested.get(e.manager)?.pop();
      },
      afterTransactionRollback: (e: TransactionEvent) => {
        committing.delete(e.manager);
        if (e.queryRunner.isTransactionActive) {
          rollbackOutboxTo(e.manager, nested.get(e.manager)?.pop() ?? 0);
          return;
        }
        pending.delete(e.manager);
        nested.delete(e.manager);
      },
    });
  }

  /**
   * The transaction's deferred events, in one statement. TypeORM starts every subscriber's beforeTransactionCommit
   * together, and some publish (the lifecycle's snapshots): from here on the transaction's events are written at once.
   */
  private async writePending(manager: EntityManager): Promise<void> {
    committing.add(manager);
    const rows = pending.get(manager);
    pending.delete(manager);
    if (rows && rows.length > 0) await this.write(manager, rows);
  }

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
    const rows: OutboxRow[] = [];
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
      rows.push([attrs.id, def.topic, key, e.type, JSON.stringify(toKafkaHeaders(attrs)), body]);
    }
    const ids = rows.map((r) => r[0]);
    if (this.defers(manager)) {
      const deferred = pending.get(manager);
      if (deferred) deferred.push(...rows);
      else pending.set(manager, rows);
    } else await this.write(manager, rows);
    return ids;
  }

  private defers(manager: EntityManager): boolean {
    return (
      this.attachedTo !== undefined &&
      manager.connection === this.attachedTo &&
      manager.queryRunner?.isTransactionActive === true &&
      !committing.has(manager)
    );
  }

  /**
   * The rows, and a NOTIFY that is delivered at commit only and wakes the relay without polling, in one statement per
   * WRITE_ROWS rows (a statement carries at most 65,535 parameters).
   */
  private async write(manager: EntityManager, rows: OutboxRow[]): Promise<void> {
    for (let at = 0; at < rows.length; at += WRITE_ROWS) {
      const params: unknown[] = [];
      const values: string[] = [];
      for (const r of rows.slice(at, at + WRITE_ROWS)) {
        const n = params.length;
        values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb, $${n + 6}::jsonb)`);
        params.push(...r);
      }
      const n = params.length;
      await manager.query(
        `WITH inserted AS (
           INSERT INTO outbox (event_id, topic, event_key, event_type, headers, payload) VALUES ${values.join(', ')}
           RETURNING 1)
         SELECT pg_notify($${n + 1}, $${n + 2}) FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row`,
        [...params, OUTBOX_CHANNEL, this.schema],
      );
    }
  }
}

// Marks a provider method as the handler of one event type; the consumer finds it through Nest's discovery.
import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEventAttributes, EventPayload, EventType } from '@mcp-host/contracts';

export const EVENT_HANDLER_METADATA = 'mcp-host:event-handler';

export interface EventContext {
  /** The transaction the inbox row is written in; write the effect through it. */
  manager: EntityManager;
  attributes: CloudEventAttributes;
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandlerFn<T extends EventType = EventType> = (
  payload: EventPayload<T>,
  ctx: EventContext,
) => Promise<void>;

export const EventHandler = (type: EventType): MethodDecorator => SetMetadata(EVENT_HANDLER_METADATA, type);

export const EVENT_BATCH_HANDLER_METADATA = 'mcp-host:event-batch-handler';

/** One event of a batch handed to an `@EventBatchHandler`. */
export interface EventBatchItem<T extends EventType = EventType> {
  payload: EventPayload<T>;
  ctx: EventContext;
}

export type EventBatchHandlerFn<T extends EventType = EventType> = (
  items: EventBatchItem<T>[],
) => Promise<void>;

/**
 * Marks a provider method as the handler of one event type that takes consecutive events of that type together
 * (in partition order, all in the same transaction: `items[0].ctx.manager`), so it can write their effects in one
 * statement. When one event of the group fails, the consumer runs the group again one event at a time, so only that
 * event takes the retry and dead-letter path; the handler must therefore give the same effect either way. The only
 * handler of its type: a type with several handlers is applied one event at a time.
 */
export const EventBatchHandler = (type: EventType): MethodDecorator =>
  SetMetadata(EVENT_BATCH_HANDLER_METADATA, type);

/** A registered handler: called per event; `batch`, when set, takes a run of consecutive events at once. */
export type RegisteredEventHandler = EventHandlerFn & { batch?: EventBatchHandlerFn };

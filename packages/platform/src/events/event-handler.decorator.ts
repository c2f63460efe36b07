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

// The shape of one event contract; kept apart from the registry so event files never import the registry.
import type { z } from 'zod';

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  /** CloudEvents `type`, dotted, e.g. `server.registered`. */
  type: string;
  /** The versioned Kafka topic the event is published on. */
  topic: string;
  schema: S;
  /**
   * The Kafka message key, taken from the payload field named by the topic's `key`.
   * Method syntax on purpose: it keeps a specific definition assignable to `EventDefinition` (bivariant parameter).
   */
  key(payload: z.infer<S>): string;
  description: string;
}

export function defineEvent<S extends z.ZodType>(def: EventDefinition<S>): EventDefinition<S> {
  return def;
}

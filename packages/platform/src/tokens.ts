// Injection tokens of the kit.
import { Inject } from '@nestjs/common';

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');
export const PLATFORM_LOGGER = Symbol('PLATFORM_LOGGER');
/** The internal token (`{ token?: string }`): services require it on every request, the gateway sends it. */
export const INTERNAL_AUTH = Symbol('INTERNAL_AUTH');
/** The outbox relay (an OutboxRelayHandle): on the service's thread, or standing in for the one on its own thread. */
export const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');

/** Injects the service's parsed, typed configuration. */
export const InjectConfig = (): ParameterDecorator => Inject(PLATFORM_CONFIG);
/** Injects the service's root pino logger. */
export const InjectLogger = (): ParameterDecorator => Inject(PLATFORM_LOGGER);
/** Injects `{ token?: string }`, the internal token shared by the gateway and the services. */
export const InjectInternalAuth = (): ParameterDecorator => Inject(INTERNAL_AUTH);

export interface InternalAuth {
  token?: string;
}

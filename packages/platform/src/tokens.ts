// Injection tokens of the kit.
import { Inject } from '@nestjs/common';

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');
export const PLATFORM_LOGGER = Symbol('PLATFORM_LOGGER');

/** Injects the service's parsed, typed configuration. */
export const InjectConfig = (): ParameterDecorator => Inject(PLATFORM_CONFIG);
/** Injects the service's root pino logger. */
export const InjectLogger = (): ParameterDecorator => Inject(PLATFORM_LOGGER);

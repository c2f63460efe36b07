// The slice of the kit's pino logger the runtime uses (pino itself stays behind the kit).
export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): RuntimeLogger;
}

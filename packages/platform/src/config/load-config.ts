// Parses a service's configuration once at start; a bad value becomes one line naming the variable.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** process.env overlaid on `.env` in the working directory; the real environment wins. */
export function processEnvWithDotenv(cwd = process.cwd()): Env {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

export function loadConfig<S extends z.ZodType>(schema: S, env: Env = processEnvWithDotenv()): z.infer<S> {
  // An empty string means "unset" for every variable, as shells and compose files write it.
  const cleaned: Env = {};
  for (const [k, v] of Object.entries(env)) cleaned[k] = v === '' ? undefined : v;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue.path[0] ?? 'configuration');
  const got = env[variable];
  const message =
    issue.message.includes('(got') || got === undefined ? issue.message : `${issue.message} (got "${got}")`;
  throw new ConfigError(
    variable,
    message.startsWith('must') || message.startsWith('is') ? message : `is invalid: ${message}`,
  );
}

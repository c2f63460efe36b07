// The one HTTP path to the gateway: bearer auth, JSON in and out, `{ error: { code, message } }` turned into a CliError.
import { errorBodySchema, type HttpMethod } from '@mcp-host/contracts';
import { CliError } from './cli-error';
import type { Connection } from './connection';
import type { CliIo } from './io';
import { escapeControls } from './output';

/** A route as declared in contracts' ROUTES: method plus a path template with `:param` segments. */
export interface RouteRef {
  method: HttpMethod;
  path: string;
}

export type QueryValue = string | number | boolean | undefined;

export interface CallOptions {
  params?: Readonly<Record<string, string>>;
  query?: Readonly<Record<string, QueryValue>>;
  body?: unknown;
}

/** The part of a zod schema the client uses, so the CLI reads contracts' schemas without importing zod itself. */
export interface Decoder<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

const REQUEST_TIMEOUT_MS = 30_000;

export class ApiClient {
  constructor(
    private readonly connection: Connection,
    private readonly io: CliIo,
  ) {}

  /** Sends the request and returns the parsed JSON body, or undefined for an empty (204) answer. */
  async call(route: RouteRef, options: CallOptions = {}): Promise<unknown> {
    const url = this.url(route, options);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token !== undefined) headers.authorization = `Bearer ${this.connection.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let response: Awaited<ReturnType<CliIo['request']>>;
    try {
      response = await this.io.request(url, {
        method: route.method,
        headers,
        body,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      throw new CliError(describeNetworkError(err, this.connection.baseUrl), networkCode(err));
    }

    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 400) throw apiError(status, text, route);
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError(
        `${route.method} ${url.pathname} answered ${status} with a body that is not JSON: ${snippet(text)}`,
      );
    }
  }

  private url(route: RouteRef, options: CallOptions): URL {
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
      const value = options.params?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${route.path}`);
      return encodeURIComponent(value);
    });
    const base = this.connection.baseUrl;
    // Keep a path prefix in --url (e.g. behind a proxy at /mcp-host) instead of letting `/api` replace it.
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }
}

/** Validates a successful answer against its contracts schema, so tables never show a half-understood row. */
export function decode<T>(decoder: Decoder<T>, value: unknown, what: string): T {
  const result = decoder.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new CliError(`The answer to ${what} is not what this mcpctl expects (${issues}); try --json.`);
}

function apiError(status: number, text: string, route: RouteRef): CliError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  // The message and code are the API's data: shown escaped, like every other text from it.
  if (parsed.success)
    return new CliError(
      escapeControls(parsed.data.error.message, true),
      escapeControls(parsed.data.error.code),
      status,
    );
  const body = text.trim() === '' ? '' : `: ${snippet(text)}`;
  return new CliError(`${route.method} ${route.path} failed with HTTP ${status}${body}`, undefined, status);
}

function snippet(text: string): string {
  const oneLine = escapeControls(text.replace(/\s+/g, ' ').trim());
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (typeof e !== 'object' || e === null || depth > 3) return;
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return codes;
}

function networkCode(err: unknown): string | undefined {
  return errorCodes(err)[0];
}

export function describeNetworkError(err: unknown, baseUrl: URL): string {
  const where = `MCP Host at ${baseUrl.origin}${baseUrl.pathname.replace(/\/+$/, '')}`;
  const codes = errorCodes(err);
  const hint = 'Is it running? Set --url or MCP_HOST_URL.';
  if (codes.includes('ECONNREFUSED')) return `Cannot connect to ${where}: connection refused. ${hint}`;
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return `Cannot connect to ${where}: host ${baseUrl.hostname} not found. ${hint}`;
  }
  if (codes.some((c) => c.endsWith('TIMEOUT') || c === 'ETIMEDOUT')) {
    return `Cannot connect to ${where}: no answer in time. ${hint}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `Cannot connect to ${where}: ${message}`;
}

// The MCP conformance checks against one endpoint: initialize, ping, tools/list, every tool's inputSchema compiled
// as JSON Schema (ajv, through the SDK's validator), and one call per tool that declares itself read-only and not
// destructive, with arguments generated from its schema. Every JSON-RPC message is recorded for the evidence.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import {
  type ToolManifest,
  buildManifest,
  canonicalJson,
  sha256Hex,
  type ListedTool,
} from '@mcp-host/contracts';
import { listToolsOf } from '../tools/tool-watcher.service';

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface ConformanceOutcome {
  status: 'pass' | 'fail';
  manifest: ToolManifest | null;
  evidence: Record<string, unknown>;
}

/** A transport that records every message both ways, in order, around the SDK's Streamable HTTP transport. */
export class RecordingTransport implements Transport {
  readonly messages: { dir: 'sent' | 'received'; message: JSONRPCMessage }[] = [];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  constructor(private readonly inner: Transport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
    inner.onmessage = (message, extra) => {
      this.messages.push({ dir: 'received', message });
      this.onmessage?.(message, extra);
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.messages.push({ dir: 'sent', message });
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** SHA-256 of the canonical JSON lines of messages [from, to). */
  digest(from = 0, to = this.messages.length): string {
    return sha256Hex(
      this.messages
        .slice(from, to)
        .map((m) => canonicalJson(m))
        .join('\n'),
    );
  }
}

type Schema = Record<string, unknown>;

/** A value the schema accepts, as simple as it can be: defaults, consts and enums first, then the type's minimum. */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (schema === true || schema === undefined || schema === null || depth > 8) return null;
  if (typeof schema !== 'object') return null;
  const s = schema as Schema;
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list) && list.length > 0) {
      if (key !== 'allOf') return sampleFromSchema(list[0], depth + 1);
      return Object.assign({}, ...list.map((x) => sampleFromSchema(x, depth + 1) as object));
    }
  }
  const types = (Array.isArray(s.type) ? s.type : [s.type]) as unknown[];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object':
    case undefined: {
      if (type === undefined && !s.properties) return null;
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      const out: Record<string, unknown> = {};
      for (const name of required) out[name] = sampleFromSchema(props[name], depth + 1);
      return out;
    }
    case 'array': {
      const n = typeof s.minItems === 'number' ? s.minItems : 0;
      return Array.from({ length: n }, () => sampleFromSchema(s.items, depth + 1));
    }
    case 'string': {
      if (s.format === 'date-time') return new Date(0).toISOString();
      if (s.format === 'date') return '1970-01-01';
      if (s.format === 'uri' || s.format === 'url') return 'https://example.com/';
      if (s.format === 'email') return 'conformance@example.com';
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      return 'a'.repeat(Math.max(min, 1));
    }
    case 'integer':
    case 'number': {
      let v = typeof s.minimum === 'number' ? s.minimum : 0;
      if (typeof s.exclusiveMinimum === 'number') v = Math.max(v, s.exclusiveMinimum + 1);
      if (typeof s.maximum === 'number' && v > s.maximum) v = s.maximum;
      return type === 'integer' ? Math.ceil(v) : v;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

/** The error of a tool's inputSchema, or undefined when it is a valid JSON Schema of an object. */
export function inputSchemaError(validator: AjvJsonSchemaValidator, schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    return 'inputSchema is not a JSON object';
  if ((schema as Schema).type !== 'object') return 'inputSchema must have type "object"';
  try {
    validator.getValidator(schema as never);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function annotated(tool: ListedTool): { readOnly: boolean; destructive: boolean } {
  const a = (tool.annotations ?? {}) as { readOnlyHint?: unknown; destructiveHint?: unknown };
  return { readOnly: a.readOnlyHint === true, destructive: a.destructiveHint !== false };
}

const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

/**
 * Runs the checks on `endpoint`. `initialize` is retried until `startDeadline` (the server may still be starting;
 * `alive()` false stops that early). Never throws: every failure is a `fail` with its reason in the evidence.
 */
export async function runConformanceChecks(opts: {
  endpoint: string;
  startDeadline: number;
  callTimeoutMs: number;
  alive?: () => Promise<boolean>;
}): Promise<ConformanceOutcome> {
  const checks: Record<string, CheckStatus> = {
    initialize: 'skipped',
    ping: 'skipped',
    tools_list: 'skipped',
    input_schemas: 'skipped',
    safe_calls: 'skipped',
  };
  const failures: string[] = [];
  const timings: Record<string, number> = {};
  const steps: Record<string, string> = {};
  const evidence: Record<string, unknown> = { checks, failures, timings_ms: timings, step_sha256: steps };
  let manifest: ToolManifest | null = null;
  const t = opts.callTimeoutMs;

  // initialize: a fresh client per attempt, until the deadline.
  let client: Client | undefined;
  let rec: RecordingTransport | undefined;
  const started = Date.now();
  let attempts = 0;
  let lastError = 'no answer';
  while (Date.now() < opts.startDeadline) {
    attempts++;
    const c = new Client({ name: 'mcp-host-conformance', version: '1.0.0' });
    const r = new RecordingTransport(new StreamableHTTPClientTransport(new URL(opts.endpoint)));
    try {
      const left = Math.max(100, Math.min(t, opts.startDeadline - Date.now()));
      await c.connect(r, { timeout: left });
      client = c;
      rec = r;
      break;
    } catch (err) {
      lastError = errMessage(err);
      await c.close().catch(() => undefined);
      if (opts.alive && !(await opts.alive())) {
        lastError = `the server exited (${lastError})`;
        break;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  timings.initialize = Date.now() - started;
  evidence.initialize_attempts = attempts;
  if (!client || !rec) {
    checks.initialize = 'fail';
    failures.push(`initialize: ${lastError}`);
    return { status: 'fail', manifest, evidence };
  }
  checks.initialize = 'pass';
  steps.initialize = rec.digest();
  evidence.server_info = client.getServerVersion() ?? null;
  evidence.server_capabilities = client.getServerCapabilities() ?? null;
  const transport = rec;

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const from = transport.messages.length;
    const s = Date.now();
    try {
      const out = await fn();
      checks[name] = 'pass';
      return out;
    } catch (err) {
      checks[name] = 'fail';
      failures.push(`${name}: ${errMessage(err)}`);
      return undefined;
    } finally {
      timings[name] = Date.now() - s;
      steps[name] = transport.digest(from);
    }
  };

  try {
    await step('ping', () => client.ping({ timeout: t }));
    const tools = await step('tools_list', () => listToolsOf(client, t));
    if (tools) {
      manifest = buildManifest(tools);
      evidence.tools_count = tools.length;
      const validator = new AjvJsonSchemaValidator();
      const invalid = tools
        .map((tool) => ({ tool: tool.name, error: inputSchemaError(validator, tool.inputSchema) }))
        .filter((x): x is { tool: string; error: string } => x.error !== undefined);
      evidence.invalid_input_schemas = invalid;
      checks.input_schemas = invalid.length === 0 ? 'pass' : 'fail';
      for (const i of invalid) failures.push(`input_schemas: ${i.tool}: ${i.error}`);

      const bad = new Set(invalid.map((i) => i.tool));
      const safe = tools.filter((tool) => {
        const a = annotated(tool);
        return a.readOnly && !a.destructive && !bad.has(tool.name);
      });
      const calls: Record<string, unknown>[] = [];
      evidence.safe_calls = calls;
      if (safe.length > 0) {
        const s = Date.now();
        const from = transport.messages.length;
        let ok = true;
        for (const tool of safe) {
          const args = sampleFromSchema(tool.inputSchema) as Record<string, unknown>;
          const c0 = Date.now();
          try {
            const res = await client.callTool({ name: tool.name, arguments: args ?? {} }, undefined, {
              timeout: t,
            });
            calls.push({
              tool: tool.name,
              arguments_sha256: sha256Hex(canonicalJson(args ?? {})),
              is_error: res.isError === true,
              ms: Date.now() - c0,
            });
          } catch (err) {
            ok = false;
            calls.push({ tool: tool.name, error: errMessage(err), ms: Date.now() - c0 });
            failures.push(`safe_calls: ${tool.name}: ${errMessage(err)}`);
          }
        }
        checks.safe_calls = ok ? 'pass' : 'fail';
        timings.safe_calls = Date.now() - s;
        steps.safe_calls = transport.digest(from);
      }
    }
  } finally {
    evidence.transcript = { messages: transport.messages.length, sha256: transport.digest() };
    if (manifest) evidence.manifest_digest = manifest.digest;
    await client.close().catch(() => undefined);
  }
  const status =
    Object.values(checks).every((c) => c !== 'fail') && checks.tools_list === 'pass' ? 'pass' : 'fail';
  return { status, manifest, evidence };
}

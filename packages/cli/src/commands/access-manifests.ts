// YAML manifests for `mcpctl access grant|session init|apply`: a file of one or more documents (`---` between them)
// that states the grants and agent sessions an operator wants. `init` writes a commented template; `apply` checks
// every document against the contracts' request schemas first, then makes the API match, one document at a time.
import {
  createAgentSessionBodySchema,
  createGrantBodySchema,
  formatZodIssues,
  type CreateAgentSessionBody,
  type CreateGrantBody,
} from '@mcp-host/contracts';
import { parseAllDocuments } from 'yaml';
import { CliError } from '../cli-error';

export const GRANT_KIND = 'Grant';
export const SESSION_KIND = 'AgentSession';

/** A grant as a manifest states it: the create body, and whether it should be applied. */
export interface GrantManifest {
  body: CreateGrantBody;
  enabled: boolean;
}

/** Parses every document of a manifest file; any error names the file and the document, before anything is sent. */
function documents(text: string, file: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  docs.forEach((doc, i) => {
    const where = `${file}, document ${i + 1}`;
    if (doc.errors.length > 0) throw new CliError(`${where} is not valid YAML: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    if (typeof value !== 'object' || Array.isArray(value))
      throw new CliError(
        `${where} must be a mapping of fields, not ${Array.isArray(value) ? 'a list' : typeof value}.`,
      );
    out.push(value as Record<string, unknown>);
  });
  if (out.length === 0) throw new CliError(`${file} has no documents to apply.`);
  return out;
}

function takeKind(doc: Record<string, unknown>, kind: string, where: string): Record<string, unknown> {
  const { kind: stated, ...rest } = doc;
  if (stated !== undefined && stated !== kind)
    throw new CliError(`${where} is kind ${JSON.stringify(stated)}; this command applies kind ${kind}.`);
  return rest;
}

export function parseGrantManifests(text: string, file: string): GrantManifest[] {
  return documents(text, file).map((doc, i) => {
    const where = `${file}, document ${i + 1}`;
    const { enabled, ...fields } = takeKind(doc, GRANT_KIND, where);
    if (enabled !== undefined && typeof enabled !== 'boolean')
      throw new CliError(`${where}: enabled must be true or false.`);
    const parsed = createGrantBodySchema.safeParse(fields);
    if (!parsed.success)
      throw new CliError(`${where} is not a valid grant: ${formatZodIssues(parsed.error.issues)}`);
    return { body: parsed.data, enabled: enabled ?? true };
  });
}

export function parseSessionManifests(text: string, file: string): CreateAgentSessionBody[] {
  return documents(text, file).map((doc, i) => {
    const where = `${file}, document ${i + 1}`;
    const parsed = createAgentSessionBodySchema.safeParse(takeKind(doc, SESSION_KIND, where));
    if (!parsed.success)
      throw new CliError(`${where} is not a valid agent session: ${formatZodIssues(parsed.error.issues)}`);
    return parsed.data;
  });
}

/**
 * YAML for one scalar: plain when that reads back as the same string, quoted otherwise. A plain scalar starts with a
 * letter or `_` (`*` would start an alias, `@` is reserved) and does not end with `:` (a mapping key in a flow list).
 */
function scalar(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_./@:*-]*$/.test(value) &&
    !value.endsWith(':') &&
    !/^(true|false|null|yes|no|on|off|y|n)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

const list = (items: readonly string[]) => `[${items.map(scalar).join(', ')}]`;

export function grantTemplate(o: {
  server?: string;
  subject?: string;
  allow?: string[];
  deny?: string[];
}): string {
  return [
    '# A tool grant for one MCP server. Apply it with: mcpctl access grant apply -f <this file>',
    '# Several grants can share a file, separated by a line with three dashes.',
    `kind: ${GRANT_KIND}`,
    '# The MCP server (mcpctl servers list shows the ids).',
    `server_id: ${scalar(o.server ?? '00000000-0000-0000-0000-000000000000')}`,
    '# Who the grant is for: token:<token id>, subject:<token owner or OIDC subject>, or role:<viewer|operator|admin>.',
    `subject: ${scalar(o.subject ?? 'role:operator')}`,
    '# Tools the subject may call; * is every tool. A deny wins over an allow.',
    `allow_tools: ${list(o.allow ?? ['*'])}`,
    `deny_tools: ${list(o.deny ?? [])}`,
    '# false keeps the grant but stops applying it.',
    'enabled: true',
    '',
  ].join('\n');
}

export function sessionTemplate(o: {
  agent?: string;
  subject?: string;
  server?: string;
  trust?: string;
  ttl?: number;
}): string {
  return [
    '# An agent session. Apply it with: mcpctl access session apply -f <this file>',
    '# The caller presents the session id in the Mcp-Host-Agent-Session header at /mcp/:server.',
    `kind: ${SESSION_KIND}`,
    `agent_id: ${scalar(o.agent ?? 'my-agent')}`,
    '# The principal the session is bound to: token:<token id> or subject:<subject>.',
    `subject: ${scalar(o.subject ?? 'subject:agent@example.com')}`,
    '# The one MCP server it may reach; remove the line for any server its grants allow.',
    ...(o.server === undefined
      ? ['# server_id: 00000000-0000-0000-0000-000000000000']
      : [`server_id: ${scalar(o.server)}`]),
    '# low, medium or high: the ceiling of what the agent may do.',
    `trust_level: ${scalar(o.trust ?? 'low')}`,
    '# How long the session lasts, in seconds.',
    `ttl_seconds: ${o.ttl ?? 3600}`,
    '',
  ].join('\n');
}

/** Same tool set, order and repeats aside. */
export function sameTools(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

// Shared by the policy engine (discovery, drift, conformance) and mcpctl (servers discover), so both hash alike.
// A server's tool manifest as hashes: per tool the SHA-256 of its description and of the canonical JSON of its input
// schema, its annotations, and a digest of the whole (tools sorted by name), plus the diff of two manifests (drift).
import { createHash } from 'node:crypto';
import type { ToolDriftChange, ToolManifest, ToolManifestEntry } from './tools.schema';

/** What `tools/list` answers per tool, loosely: only the fields the manifest hashes are read. */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: unknown;
}

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every depth and no whitespace, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function annotationsOf(raw: unknown): Record<string, unknown> | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  return JSON.parse(canonicalJson(raw)) as Record<string, unknown>;
}

export function manifestEntry(tool: ListedTool): ToolManifestEntry {
  return {
    name: tool.name,
    description_sha256: sha256Hex(tool.description ?? ''),
    input_schema_sha256: sha256Hex(canonicalJson(tool.inputSchema ?? null)),
    annotations: annotationsOf(tool.annotations),
  };
}

/** The manifest of a `tools/list` answer: entries sorted by name and the digest of their canonical JSON. */
export function buildManifest(tools: readonly ListedTool[]): ToolManifest {
  const entries = tools.map(manifestEntry).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { digest: `sha256:${sha256Hex(canonicalJson(entries))}`, tools: entries };
}

/** What changed from `certified` to `live`, one change per tool and kind, ordered by tool then kind. */
export function diffManifests(certified: ToolManifest, live: ToolManifest): ToolDriftChange[] {
  const before = new Map(certified.tools.map((t) => [t.name, t]));
  const after = new Map(live.tools.map((t) => [t.name, t]));
  const changes: ToolDriftChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(name);
    const a = after.get(name);
    if (!b) changes.push({ tool: name, change: 'added' });
    else if (!a) changes.push({ tool: name, change: 'removed' });
    else {
      if (a.description_sha256 !== b.description_sha256) changes.push({ tool: name, change: 'description' });
      if (a.input_schema_sha256 !== b.input_schema_sha256)
        changes.push({ tool: name, change: 'input_schema' });
      if (canonicalJson(a.annotations) !== canonicalJson(b.annotations))
        changes.push({ tool: name, change: 'annotations' });
    }
  }
  return changes;
}

/**
 * The tools calls must be refused for: every changed tool that the live server still lists or that the certified
 * manifest had (a removed tool stays blocked should it come back changed), when blocking is on.
 */
export function blockedTools(changes: readonly ToolDriftChange[], block: boolean): string[] {
  return block ? [...new Set(changes.map((c) => c.tool))].sort() : [];
}

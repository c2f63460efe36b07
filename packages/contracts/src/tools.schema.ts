// MCP tool manifests: what a running server answers to `tools/list`, recorded as hashes (discovery), compared with the
// manifest certified by the conformance evaluator (drift), and the evaluator's results the marketplace records.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema, uuidSchema } from './common.schema';
import { defineEvent } from './event-definition';
import { TOPICS } from './topics';

/** A lowercase hex SHA-256. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256');

/** One tool of a manifest: its name, the hashes of its description and input schema, and its annotations. */
export const toolManifestEntrySchema = z.object({
  name: z.string().min(1),
  /** SHA-256 of the description string (of '' when the tool has none). */
  description_sha256: sha256HexSchema,
  /** SHA-256 of the canonical JSON (keys sorted, no whitespace) of the tool's `inputSchema`. */
  input_schema_sha256: sha256HexSchema,
  /** The tool's `annotations` as the server declared them (readOnlyHint, destructiveHint, ...), or null. */
  annotations: jsonObjectSchema.nullable(),
});
export type ToolManifestEntry = z.infer<typeof toolManifestEntrySchema>;

/** A whole manifest: tools sorted by name, and `digest` = sha256 of the canonical JSON of that list. */
export const toolManifestSchema = z.object({
  digest: digestSchema,
  tools: z.array(toolManifestEntrySchema),
});
export type ToolManifest = z.infer<typeof toolManifestSchema>;

export const TOOL_DRIFT_CHANGES = ['added', 'removed', 'description', 'input_schema', 'annotations'] as const;
export const toolDriftChangeSchema = z.object({
  tool: z.string().min(1),
  change: z.enum(TOOL_DRIFT_CHANGES),
});
export type ToolDriftChange = z.infer<typeof toolDriftChangeSchema>;

/** `server.tools.discovered`: a running server answered `tools/list`; carries the recorded manifest. */
export const serverToolsDiscoveredSchema = z.object({
  server_id: uuidSchema,
  /** The artifact run the server runs, when known. */
  artifact_run_id: uuidSchema.nullable(),
  endpoint: z.url(),
  manifest: toolManifestSchema,
  discovered_at: timestampSchema,
});
export type ServerToolsDiscovered = z.infer<typeof serverToolsDiscoveredSchema>;

/** `server.tools.drifted`: the live manifest differs from the certified one; `blocked_tools` must not be called. */
export const serverToolsDriftedSchema = z.object({
  server_id: uuidSchema,
  artifact_run_id: uuidSchema,
  certified_digest: digestSchema,
  live_digest: digestSchema,
  changed: z.array(toolDriftChangeSchema).min(1),
  /** The tools calls must be refused for (the changed ones, unless drift blocking is turned off: then empty). */
  blocked_tools: z.array(z.string().min(1)),
  detected_at: timestampSchema,
});
export type ServerToolsDrifted = z.infer<typeof serverToolsDriftedSchema>;

/** `server.tools.drift_cleared`: the live manifest matches the certified one again; nothing is blocked any more. */
export const serverToolsDriftClearedSchema = z.object({
  server_id: uuidSchema,
  artifact_run_id: uuidSchema,
  digest: digestSchema,
  cleared_at: timestampSchema,
});
export type ServerToolsDriftCleared = z.infer<typeof serverToolsDriftClearedSchema>;

/** `GET /api/servers/:id/tools`: the server's last discovered manifest and its drift against the certified one. */
export const serverToolsResponseSchema = z.object({
  server_id: uuidSchema,
  artifact_run_id: uuidSchema.nullable(),
  endpoint: z.string(),
  digest: digestSchema,
  tools: z.array(
    toolManifestEntrySchema.extend({
      /** True when calls to this tool are refused because of a drift. */
      blocked: z.boolean(),
    }),
  ),
  /** The digest of the certified manifest, or null when the artifact has no conformance certification. */
  certified_digest: digestSchema.nullable(),
  drifted: z.boolean(),
  changed: z.array(toolDriftChangeSchema),
  discovered_at: timestampSchema,
  refreshed_at: timestampSchema,
});
export type ServerToolsResponse = z.infer<typeof serverToolsResponseSchema>;

export const CONFORMANCE_REQUIREMENT = 'mcp-conformance';

/**
 * `evaluation.result.recorded`: an evaluator ran a requested evaluation; the marketplace records it on the
 * certification (when its version still matches the request) and the policy engine keeps a passing run's manifest
 * as the certified one.
 */
export const evaluationResultRecordedSchema = z.object({
  certification_id: uuidSchema,
  artifact_run_id: uuidSchema,
  server_id: uuidSchema,
  manifest_digest: digestSchema,
  tier: z.string().min(1),
  policy_requirement: z.string().min(1),
  /** The certification version the request carried; a newer certification ignores this result. */
  certification_version: z.int().min(1),
  status: z.enum(['pass', 'fail']),
  /** What was checked and seen: checks, transcript digests, timings, failure reasons. */
  evidence: jsonObjectSchema,
  /** The tools the server listed, or null when it never answered `tools/list`. */
  tool_manifest: toolManifestSchema.nullable(),
  valid_from: timestampSchema,
  valid_until: timestampSchema,
  evaluated_at: timestampSchema,
});
export type EvaluationResultRecorded = z.infer<typeof evaluationResultRecordedSchema>;

export const serverToolsDiscoveredEvent = defineEvent({
  type: 'server.tools.discovered',
  topic: TOPICS.mcpTools.name,
  schema: serverToolsDiscoveredSchema,
  key: (p) => p.server_id,
  description:
    'A running server answered tools/list; carries its manifest (per tool: description and schema hashes, annotations).',
});

export const serverToolsDriftedEvent = defineEvent({
  type: 'server.tools.drifted',
  topic: TOPICS.mcpTools.name,
  schema: serverToolsDriftedSchema,
  key: (p) => p.server_id,
  description:
    "A server's live tools differ from its certified manifest (added, removed, description, input_schema, annotations); blocked_tools must not be called.",
});

export const serverToolsDriftClearedEvent = defineEvent({
  type: 'server.tools.drift_cleared',
  topic: TOPICS.mcpTools.name,
  schema: serverToolsDriftClearedSchema,
  key: (p) => p.server_id,
  description:
    "A drifted server's live tools match its certified manifest again; no tool is blocked any more.",
});

export const evaluationResultRecordedEvent = defineEvent({
  type: 'evaluation.result.recorded',
  topic: TOPICS.evaluationResults.name,
  schema: evaluationResultRecordedSchema,
  key: (p) => p.artifact_run_id,
  description:
    'An evaluator (the MCP conformance evaluator) ran a requested evaluation: pass or fail with evidence, validity window and the tool manifest.',
});

// Writes the published JSON Schemas (one per event, the topic registry and the OpenAPI document) from the zod source, or with
// `--check` reports files that drifted from it. Run from dist: `pnpm generate` / `pnpm check:schemas`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { EVENT_EXAMPLES } from './event-examples';
import { buildOpenApiDocument } from './openapi';
import { EVENTS, type EventType } from './registry';
import { ALL_TOPICS, topicByName } from './topics';

/** `packages/contracts/schemas`, resolved from both `src/` (tests) and `dist/` (the CLI entry). */
export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

export const REGENERATE_COMMAND =
  'pnpm --filter @mcp-host/contracts build && pnpm --filter @mcp-host/contracts generate';

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

function eventSchemaDocument(type: EventType): Record<string, unknown> {
  const definition = EVENTS[type];
  const topic = topicByName(definition.topic);
  // `input` describes what a consumer accepts: unknown keys are allowed (parseEvent strips them), so
  // producers can add optional fields without breaking readers that validate with these files.
  const body = z.toJSONSchema(definition.schema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
  const { $schema: _dialect, ...schema } = body;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:mcp-host:event:${type}`,
    title: type,
    description: definition.description,
    'x-kafka': {
      topic: definition.topic,
      key: topic?.key,
      dead_letter_topic: topic?.deadLetter,
      partitions: topic?.partitions,
    },
    'x-cloudevents': { type, specversion: '1.0', datacontenttype: 'application/json' },
    ...schema,
    examples: [EVENT_EXAMPLES[type]],
  };
}

function topicsDocument(): Record<string, unknown> {
  return {
    $comment: `Generated from packages/contracts/src/topics.ts; do not edit. Regenerate: ${REGENERATE_COMMAND}`,
    topics: ALL_TOPICS.map((t) => ({
      name: t.name,
      description: t.description,
      key: t.key,
      partitions: t.partitions,
      retention_ms: t.retentionMs,
      dead_letter: t.deadLetter,
      event_types: t.eventTypes,
      watchable: t.watchable,
      schemas: t.eventTypes.map((type) => `${type}.json`),
    })),
  };
}

/** File name → JSON document, for every file the schemas directory must hold. */
export function renderSchemaDocuments(): Map<string, unknown> {
  const documents = new Map<string, unknown>();
  for (const type of Object.keys(EVENTS) as EventType[])
    documents.set(`${type}.json`, eventSchemaDocument(type));
  documents.set('topics.json', topicsDocument());
  documents.set('openapi.json', buildOpenApiDocument());
  return documents;
}

function serialise(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export interface SchemaDrift {
  file: string;
  problem: 'missing' | 'changed' | 'stale' | 'unreadable';
}

/**
 * Compares parsed JSON, not bytes, so a formatter pass over the committed files is not drift;
 * any change of content, a missing file or a leftover file is.
 */
export function findSchemaDrift(dir: string = SCHEMAS_DIR): SchemaDrift[] {
  const expected = renderSchemaDocuments();
  const drift: SchemaDrift[] = [];
  for (const [file, document] of expected) {
    const target = path.join(dir, file);
    if (!existsSync(target)) {
      drift.push({ file, problem: 'missing' });
      continue;
    }
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(target, 'utf8'));
    } catch {
      drift.push({ file, problem: 'unreadable' });
      continue;
    }
    if (JSON.stringify(committed) !== JSON.stringify(document)) drift.push({ file, problem: 'changed' });
  }
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.json') && !expected.has(file)) drift.push({ file, problem: 'stale' });
    }
  }
  return drift.sort((a, b) => a.file.localeCompare(b.file));
}

export function describeDrift(drift: readonly SchemaDrift[]): string {
  const lines = drift.map((d) => `  ${d.file} (${d.problem})`);
  return [
    `JSON Schemas in packages/contracts/schemas drifted from the zod source:`,
    ...lines,
    `Regenerate with: ${REGENERATE_COMMAND}`,
    'A breaking change to a published event needs a new topic version, not an edit of the old schema.',
  ].join('\n');
}

/** Writes every schema file and removes stale ones; returns the file names written. */
export function writeSchemaFiles(dir: string = SCHEMAS_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const documents = renderSchemaDocuments();
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.json') && !documents.has(file)) rmSync(path.join(dir, file));
  }
  for (const [file, document] of documents) writeFileSync(path.join(dir, file), serialise(document));
  return [...documents.keys()];
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = findSchemaDrift();
    if (drift.length > 0) {
      console.error(describeDrift(drift));
      return 1;
    }
    console.log(`JSON Schemas are up to date (${renderSchemaDocuments().size} files).`);
    return 0;
  }
  const written = writeSchemaFiles();
  console.log(`Wrote ${written.length} JSON Schema files to ${SCHEMAS_DIR}`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

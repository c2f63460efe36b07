// The committed JSON Schemas must match the zod source; this fails CI on drift and says how to regenerate.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describeDrift, findSchemaDrift, SCHEMAS_DIR } from '../src/generate-schemas';
import { EVENTS } from '../src';

describe('generated JSON Schemas', () => {
  it('when the committed schemas are compared with the zod source, then nothing drifted', () => {
    const drift = findSchemaDrift();
    if (drift.length > 0) throw new Error(describeDrift(drift));
    expect(drift).toEqual([]);
  });

  it('when an event schema file is read, then it is draft 2020-12 with $id, title and x-kafka', () => {
    for (const definition of Object.values(EVENTS)) {
      const file: unknown = JSON.parse(
        readFileSync(path.join(SCHEMAS_DIR, `${definition.type}.json`), 'utf8'),
      );
      expect(file).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `urn:mcp-host:event:${definition.type}`,
        title: definition.type,
        description: definition.description,
        'x-kafka': { topic: definition.topic },
      });
    }
  });

  describe('when a committed copy is edited, removed or joined by a stray file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'contracts-schemas-'));
      cpSync(SCHEMAS_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('then each file is reported with its problem and the message says how to regenerate', () => {
      const edited = path.join(dir, 'server.registered.json');
      const document = JSON.parse(readFileSync(edited, 'utf8')) as { required: string[] };
      document.required = document.required.filter((field) => field !== 'version');
      writeFileSync(edited, JSON.stringify(document));
      rmSync(path.join(dir, 'topics.json'));
      writeFileSync(path.join(dir, 'server.renamed.json'), '{}');

      const drift = findSchemaDrift(dir);
      expect(drift).toEqual([
        { file: 'server.registered.json', problem: 'changed' },
        { file: 'server.renamed.json', problem: 'stale' },
        { file: 'topics.json', problem: 'missing' },
      ]);
      expect(describeDrift(drift)).toContain('pnpm --filter @mcp-host/contracts generate');
    });

    it('then reformatting alone is not drift', () => {
      const file = path.join(dir, 'server.deleted.json');
      writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))));
      expect(findSchemaDrift(dir)).toEqual([]);
    });
  });
});

// The conformance checks against in-process MCP servers (the official SDK on both sides): a compliant server passes
// with one call per read-only safe tool, an invalid inputSchema fails naming the tool, a server that never answers
// initialize fails by the deadline; arguments generated from a schema are accepted by that schema.
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import {
  inputSchemaError,
  runConformanceChecks,
  sampleFromSchema,
} from '../src/conformance/conformance-check';
import { startMutableServer, startRawToolsServer, startSilentServer } from './support/mcp-test-servers';

jest.setTimeout(60_000);

const checks = (url: string, startMs = 10_000) =>
  runConformanceChecks({ endpoint: url, startDeadline: Date.now() + startMs, callTimeoutMs: 5_000 });

describe('conformance checks', () => {
  it('when a compliant server is checked, then it passes, its read-only safe tool is called once and the evidence has the transcript', async () => {
    const server = await startMutableServer([
      {
        name: 'get_forecast',
        description: 'Forecast for a city.',
        annotations: { readOnlyHint: true, destructiveHint: false },
      },
      { name: 'delete_city', description: 'Deletes a city.', annotations: { destructiveHint: true } },
      { name: 'rename_city', description: 'Renames a city.', annotations: { readOnlyHint: true } },
    ]);
    try {
      const out = await checks(server.url);
      expect(out.status).toBe('pass');
      expect(out.evidence.checks).toEqual({
        initialize: 'pass',
        ping: 'pass',
        tools_list: 'pass',
        input_schemas: 'pass',
        safe_calls: 'pass',
      });
      // destructiveHint defaults to true, so only get_forecast declares itself safe.
      expect(server.calls).toEqual(['get_forecast:a']);
      expect(out.evidence.safe_calls).toEqual([
        expect.objectContaining({ tool: 'get_forecast', is_error: false }),
      ]);
      expect(out.manifest?.tools.map((t) => t.name)).toEqual(['delete_city', 'get_forecast', 'rename_city']);
      const transcript = out.evidence.transcript as { messages: number; sha256: string };
      expect(transcript.sha256).toMatch(/^[0-9a-f]{64}$/);
      // initialize, initialized, ping, tools/list, tools/call: requests and their answers.
      expect(transcript.messages).toBeGreaterThanOrEqual(9);
      expect(Object.keys(out.evidence.step_sha256 as object).sort()).toEqual([
        'initialize',
        'ping',
        'safe_calls',
        'tools_list',
      ]);
      expect(out.evidence.server_info).toEqual({ name: 'mutable-test-server', version: '1.0.0' });
      expect(out.evidence.failures).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('when a tool has an invalid inputSchema, then the check fails naming that tool and the tool is not called', async () => {
    const server = await startRawToolsServer([
      {
        name: 'list_items',
        description: 'Lists items.',
        inputSchema: { type: 'object', properties: { limit: { type: 'integer', minimum: 'zero' } } },
        annotations: { readOnlyHint: true, destructiveHint: false },
      },
      {
        name: 'count_items',
        description: 'Counts items.',
        inputSchema: {
          type: 'object',
          properties: { kind: { type: 'string', enum: ['a', 'b'] } },
          required: ['kind'],
        },
        annotations: { readOnlyHint: true, destructiveHint: false },
      },
    ]);
    try {
      const out = await checks(server.url);
      expect(out.status).toBe('fail');
      expect(out.evidence.checks).toMatchObject({
        initialize: 'pass',
        tools_list: 'pass',
        input_schemas: 'fail',
      });
      expect(out.evidence.invalid_input_schemas).toEqual([
        { tool: 'list_items', error: expect.stringMatching(/minimum/) as string },
      ]);
      expect(server.calls).toEqual(['count_items:{"kind":"a"}']);
      expect(out.manifest?.tools).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('when the server never answers initialize, then the check fails once the start deadline passes', async () => {
    const server = await startSilentServer();
    try {
      const out = await checks(server.url, 2_000);
      expect(out.status).toBe('fail');
      expect(out.manifest).toBeNull();
      expect(out.evidence.checks).toMatchObject({
        initialize: 'fail',
        ping: 'skipped',
        tools_list: 'skipped',
      });
      expect((out.evidence.failures as string[])[0]).toMatch(/^initialize: /);
      expect(server.requests).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('when arguments are generated from a schema, then the schema accepts them', () => {
    const validator = new AjvJsonSchemaValidator();
    const schemas = [
      { type: 'object', properties: {} },
      {
        type: 'object',
        properties: {
          city: { type: 'string', minLength: 3 },
          days: { type: 'integer', minimum: 1, maximum: 7 },
          ratio: { type: 'number', exclusiveMinimum: 0 },
          unit: { type: 'string', enum: ['c', 'f'] },
          tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
          when: { type: 'string', format: 'date-time' },
          nested: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'] },
          either: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
          fixed: { const: 'v1' },
          maybe: { type: ['null', 'string'] },
        },
        required: ['city', 'days', 'ratio', 'unit', 'tags', 'when', 'nested', 'either', 'fixed', 'maybe'],
      },
      { type: 'object', properties: { limit: { type: 'integer', default: 10 } }, required: ['limit'] },
    ];
    for (const schema of schemas) {
      expect(inputSchemaError(validator, schema)).toBeUndefined();
      const args = sampleFromSchema(schema);
      const result = validator.getValidator(schema as never)(args);
      expect({ schema, args, ...result }).toMatchObject({ valid: true });
    }
  });

  it('when an inputSchema is not an object schema, then it is invalid', () => {
    const validator = new AjvJsonSchemaValidator();
    expect(inputSchemaError(validator, null)).toMatch(/not a JSON object/);
    expect(inputSchemaError(validator, { type: 'string' })).toMatch(/type "object"/);
    expect(inputSchemaError(validator, { type: 'object', required: 'city' })).toMatch(/required/);
  });
});

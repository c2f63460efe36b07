// A fuzzer over every declared REST route, through the gateway of the whole platform: wrong types, boundary numbers,
// long strings, NUL and control characters, bad ids and cursors, unknown fields and broken JSON. Nothing may earn a
// 500, nothing may hang, and every error answer has the API's error shape. New routes are covered as they land.
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ROUTES, ROUTE_SCHEMAS, routeKey, type RouteDefinition } from '@mcp-host/contracts';
import {
  createTestDatabase,
  startTestKafka,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { startHost, type Host } from '../src/host';

jest.setTimeout(600_000);

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUEST_TIMEOUT_MS = 15_000;

const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    1,
    2 ** 31 - 1,
    2 ** 31,
    3_000_000_000,
    -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER,
    1.5,
    -0,
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    'line\r\nInjected: yes',
    '\u001b[31m',
    '运维',
    '../../etc/passwd',
    '%00',
    'sha256:' + 'a'.repeat(64),
    'sha256:nothex',
    '2026-12-01T00:00:00Z',
    'not-a-date',
    '00000000-0000-4000-8000-000000000000',
    'main',
    'Router',
    'gold',
    'true',
  ),
  fc.uuid(),
  fc.integer({ min: 1, max: 3 }).map((n) => 'x'.repeat(10 ** (n + 2))),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), {
    maxKeys: 4,
  }),
);

/** The top-level field names of a zod object schema (through optional, default, pipe and refine wrappers). */
function fieldsOf(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 6 && s; i++) {
    if (s.shape && typeof s.shape === 'object') return Object.keys(s.shape);
    const def = s._zod?.def;
    s = (def?.innerType ?? def?.in ?? def?.schema) as typeof s;
  }
  return [];
}

const pathValue = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    'not-a-uuid',
    '0',
    '%00',
    '..',
    '%2e%2e',
    '00000000-0000-0000-0000-00000000000g',
    'x'.repeat(300),
    '运维',
  ),
);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function requestFor(route: RouteDefinition): fc.Arbitrary<FuzzRequest> {
  const schemas = ROUTE_SCHEMAS[routeKey(route)] ?? {};
  const params = route.path.match(/:[A-Za-z]+/g) ?? [];
  const queryFields = [...fieldsOf(schemas.query), 'cursor', 'limit', 'unknown_field'];
  const bodyFields = [...fieldsOf(schemas.body), 'version', 'unknown_field'];
  const query = fc.dictionary(fc.constantFrom(...queryFields), nasty, { maxKeys: 4 });
  const body = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .dictionary(fc.constantFrom(...bodyFields), nasty, { maxKeys: 6 })
        .map((o) => JSON.stringify(o)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '{"a":', 'null', '[]', '"text"', '{"version":1e400}', '\u0000'),
    },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  );
  return fc
    .record({
      values: fc.array(pathValue, { minLength: params.length, maxLength: params.length }),
      query,
      body,
    })
    .map(({ values, query: q, body: b }): FuzzRequest => {
      let path = route.path;
      params.forEach((p, i) => (path = path.replace(p, encodeURIComponent(values[i]))));
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      const qs = search.toString();
      const withBody = route.method !== 'GET' && route.method !== 'DELETE';
      return {
        method: route.method,
        path: qs ? `${path}?${qs}` : path,
        headers: withBody ? { 'content-type': 'application/json' } : ({} as Record<string, string>),
        body: withBody ? b : undefined,
      };
    });
}

describe('every route, fuzzed', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let host: Host;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    [db, kafka] = await Promise.all([createTestDatabase('fuzz'), startTestKafka()]);
    dir = await fs.mkdtemp(join(tmpdir(), 'mcp-host-fuzz-'));
    host = await startHost({
      dataDir: join(dir, 'data'),
      port: 0,
      host: '127.0.0.1',
      targets: ['gateway', 'build-service', 'policy-engine', 'governance', 'marketplace'],
      env: {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafka.brokers.join(','),
        LOG_LEVEL: 'fatal',
        OTEL_SDK_DISABLED: 'true',
        // The fuzzer is one client sending thousands of requests; the rate limiter is not what is under test.
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    token = (await fs.readFile(host.adminTokenFile!, 'utf8')).trim();
  });

  afterAll(async () => {
    await host?.stop();
    await kafka?.stop();
    await db?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it(`when ${REQUESTS} generated requests hit every route, then none gets a 500 or hangs, and every error has the error shape`, async () => {
    const routes = ROUTES.filter((r) => !r.stream);
    const perRoute = Math.ceil(REQUESTS / routes.length);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const route of routes) {
      const samples = fc.sample(requestFor(route), { numRuns: perRoute, seed: SEED + sent });
      // A few at a time: concurrency finds lock and pool bugs that a sequential sweep would not.
      for (let i = 0; i < samples.length; i += 8) {
        await Promise.all(
          samples.slice(i, i + 8).map(async (req) => {
            sent++;
            const ctl = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
            let status = 0;
            let text = '';
            let contentType = '';
            try {
              const res = await fetch(host.gatewayUrl + req.path, {
                method: req.method,
                headers: { ...req.headers, authorization: `Bearer ${token}` },
                body: req.body,
                signal: ctl,
              });
              status = res.status;
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              contentType = res.headers.get('content-type') ?? '';
              text = await res.text();
            } catch (err) {
              failures.push(`${req.method} ${req.path}: no answer (${(err as Error).name})`);
              return;
            }
            if (status >= 500 && status !== 503) {
              failures.push(`${req.method} ${req.path} ${req.body ?? ''}: ${status} ${text.slice(0, 200)}`);
            } else if (status >= 400) {
              let shaped = false;
              try {
                const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
                shaped = typeof body.error?.code === 'string' && typeof body.error?.message === 'string';
              } catch {
                shaped = false;
              }
              if (!shaped || !contentType.includes('json'))
                failures.push(
                  `${req.method} ${req.path}: ${status} without the error shape: ${text.slice(0, 120)}`,
                );
            }
          }),
        );
      }
    }
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // The generator reaches the validation of every kind of input, and the lookups behind valid ids.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(REQUESTS / 4);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0);
    process.stdout.write(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    expect(failures.slice(0, 20)).toEqual([]);
  });
});

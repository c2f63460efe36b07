// At catalog scale (100,000 entries, 300,000 certifications seeded with COPY), every list and filter query the
// marketplace runs is planned without a sequential scan of the catalog or certification tables.
import type { DataSource } from 'typeorm';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { CatalogRepository, type CatalogFilter } from '../src/catalog/catalog.repository';
import { EvaluationRepository, type CertificationFilter } from '../src/evaluations/evaluation.repository';
import { seedCatalog, type PgLikeClient, type SeedResult } from './support/seed-catalog';

jest.setTimeout(300_000);

const ENTRIES = Number(process.env.SCALE_ENTRIES ?? 100_000);
const CERTIFICATIONS = ENTRIES * 3;
const WATCHED = new Set(['catalog_entries', 'catalog_artifacts', 'evaluation_certifications']);

let h: Harness;
let seeded: SeedResult;
const now = new Date('2026-12-01T00:00:00.000Z');

beforeAll(async () => {
  h = await startHarness('marketplace_scale', (env) => MarketplaceModule.forRoot({ env }), {
    EVALUATION_EXPIRY_SWEEP_MS: '0',
  });
  const qr = (h.serviceDb as DataSource).createQueryRunner();
  try {
    const client = (await qr.connect()) as PgLikeClient & { query(sql: string): Promise<unknown> };
    seeded = await seedCatalog(client, { entries: ENTRIES, certifications: CERTIFICATIONS });
  } finally {
    await qr.release();
  }
});

afterAll(async () => {
  await h?.close();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode): string[] {
  const own =
    node['Node Type'] === 'Seq Scan' && WATCHED.has(node['Relation Name'] ?? '')
      ? [node['Relation Name'] as string]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

async function plan(sql: string, params: unknown[]): Promise<PlanNode> {
  const rows = await h.serviceDb.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    params,
  );
  return rows[0]['QUERY PLAN'][0].Plan;
}

async function deepCatalogKey(): Promise<CatalogFilter['after']> {
  const [row] = await h.serviceDb.query<{ n: string; s: string; r: string; e: string }[]>(
    `SELECT server_name AS n, server_id AS s, sort_rank::text AS r, entry_id AS e FROM catalog_entries
      ORDER BY server_name, server_id, sort_rank, entry_id OFFSET $1 LIMIT 1`,
    [Math.floor(ENTRIES * 0.9)],
  );
  return { serverName: row.n, serverId: row.s, sortRank: row.r, entryId: row.e };
}

async function deepCertificationKey(): Promise<CertificationFilter['after']> {
  const [row] = await h.serviceDb.query<{ c: string; id: string }[]>(
    'SELECT created_at::text AS c, id FROM evaluation_certifications ORDER BY created_at, id OFFSET $1 LIMIT 1',
    [Math.floor(CERTIFICATIONS * 0.9)],
  );
  return { createdAt: row.c, id: row.id };
}

describe('catalog at scale', () => {
  it('when the catalog is seeded, then it holds every entry and certification', async () => {
    const [counts] = await h.serviceDb.query<{ entries: string; certs: string }[]>(
      `SELECT (SELECT count(*) FROM catalog_entries) AS entries,
              (SELECT count(*) FROM evaluation_certifications) AS certs`,
    );
    expect([Number(counts.entries), Number(counts.certs)]).toEqual([ENTRIES, CERTIFICATIONS]);
  });

  it('when every catalog list and filter query is explained, then none scans a table sequentially', async () => {
    const repo = h.service.app.get(CatalogRepository);
    const after = await deepCatalogKey();
    const filters: [string, Omit<CatalogFilter, 'limit'>][] = [
      ['first page', {}],
      ['server_type', { serverType: seeded.sample.serverType }],
      ['status (rare)', { status: 'failed' }],
      ['status (common)', { status: 'succeeded' }],
      ['tier', { tier: seeded.sample.tier.toUpperCase() }],
      ['q hit (digest)', { q: seeded.sample.digest.slice(7, 23) }],
      ['q hit (digest with its algorithm)', { q: seeded.sample.digest.slice(0, 19) }],
      ['q hit (server name)', { q: seeded.sample.serverName }],
      ['q no hit', { q: 'no-such-artifact-anywhere' }],
      ['deep keyset page', { after }],
      ['server_type and status', { serverType: seeded.sample.serverType, status: 'failed' }],
    ];
    const found: Record<string, string[]> = {};
    for (const [name, f] of filters) {
      const { sql, params } = repo.listQuery({ limit: 51, ...f });
      found[name] = seqScans(await plan(sql, params));
    }
    expect(found).toEqual(Object.fromEntries(filters.map(([name]) => [name, []])));
  });

  it('when every certification list and filter query is explained, then none scans a table sequentially', async () => {
    const repo = h.service.app.get(EvaluationRepository);
    const after = await deepCertificationKey();
    const filters: [string, Omit<CertificationFilter, 'limit'>][] = [
      ['first page', {}],
      ['status pass', { status: 'pass' }],
      ['status pending', { status: 'pending' }],
      ['status fail', { status: 'fail' }],
      ['status expired', { status: 'expired' }],
      ['tier', { tier: 'gold' }],
      ['requirement', { policyRequirement: 'sbom' }],
      ['server', { serverId: seeded.sample.serverId }],
      ['artifact', { artifactRunId: '00000002-0000-4000-8000-000000000010' }],
      ['deep keyset page', { after }],
    ];
    const found: Record<string, string[]> = {};
    for (const [name, f] of filters) {
      const { sql, params } = repo.listQuery({ limit: 51, ...f }, now);
      found[name] = seqScans(await plan(sql, params));
    }
    expect(found).toEqual(Object.fromEntries(filters.map(([name]) => [name, []])));
  });

  it('when a page is hydrated with its certifications, then that lookup uses an index too', async () => {
    const ids = (
      await h.serviceDb.query<{ id: string }[]>('SELECT entry_id AS id FROM catalog_entries LIMIT 50')
    ).map((r) => r.id);
    const p = await plan(
      'SELECT * FROM evaluation_certifications c WHERE c.artifact_run_id = ANY($1::uuid[]) ORDER BY c.tier',
      [ids],
    );
    expect(seqScans(p)).toEqual([]);
  });

  it('when seeded rows are compared with the entries the service builds live, then they are the same', async () => {
    const rows = await h.serviceDb.query<{ id: string; list_row: string }[]>(
      'SELECT entry_id AS id, list_row FROM catalog_entries ORDER BY entry_id OFFSET $1 LIMIT 20',
      [Math.floor(ENTRIES / 3)],
    );
    expect(rows).toHaveLength(20);
    for (const r of rows) {
      const res = await fetch(`${h.url}/api/marketplace/${r.id}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(r.list_row)).toEqual(await res.json());
    }
  });

  it('when the API lists a filtered page of the big catalog, then it answers with that page', async () => {
    const res = await fetch(
      `${h.url}/api/marketplace?tier=${encodeURIComponent(seeded.sample.tier)}&limit=5`,
    );
    const body = (await res.json()) as {
      items: { tier: string; certifications: { certified: unknown[] } }[];
    };
    expect(res.status).toBe(200);
    expect(body.items).toHaveLength(5);
    for (const e of body.items) expect(e.tier.toLowerCase()).toBe(seeded.sample.tier.toLowerCase());
  });
});

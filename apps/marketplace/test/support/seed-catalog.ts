// Seeds a large, realistic catalog straight into the marketplace schema with COPY: servers, artifact runs, their
// list entries and certifications, consistent with what the projections would have written. Used by the scale test
// and by bench/marketplace, which both need 10⁵–10⁶ rows in seconds, not hours of events.
import { createHash } from 'node:crypto';
import type { ArtifactPlatform, EffectiveEvaluationStatus } from '@mcp-host/contracts';
import { buildEntry } from '../../src/catalog/catalog-entry';
import type { CatalogRow } from '../../src/catalog/catalog.repository';

/** The part of a `pg` Client this needs: submitting a custom query object. */
export interface PgLikeClient {
  query(submittable: CopyFrom): unknown;
}

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: { writableNeedDrain?: boolean; once(event: 'drain', cb: () => void): void };
}

/**
 * `COPY ... FROM STDIN` as a `pg` submittable (the protocol hooks pg's Client calls for COPY), so no extra
 * dependency is needed. Rows are produced lazily and written with backpressure.
 */
export class CopyFrom {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  private error?: Error;

  constructor(
    private readonly sql: string,
    private readonly rows: () => Iterable<string>,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  submit(connection: PgConnection): void {
    connection.query(this.sql);
  }

  handleCopyInResponse(connection: PgConnection): void {
    void (async () => {
      try {
        let batch = '';
        for (const row of this.rows()) {
          // The server refused the COPY: it ignores the rest, so stop producing it.
          if (this.error) break;
          batch += row;
          if (batch.length < 1 << 20) continue;
          connection.sendCopyFromChunk(Buffer.from(batch));
          batch = '';
          if (connection.stream.writableNeedDrain)
            await new Promise<void>((r) => connection.stream.once('drain', r));
        }
        if (batch) connection.sendCopyFromChunk(Buffer.from(batch));
        connection.endCopyFrom();
      } catch (err) {
        connection.sendCopyFail((err as Error).message);
      }
    })();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    if (this.error) this.reject(this.error);
    else this.resolve();
  }

  handleError(err: Error): void {
    this.error = err;
  }
}

export async function copyFrom(
  client: PgLikeClient,
  sql: string,
  rows: () => Iterable<string>,
): Promise<void> {
  const copy = new CopyFrom(sql, rows);
  client.query(copy);
  await copy.done;
}

export interface SeedOptions {
  entries: number;
  certifications: number;
  /** Runs per server; the rest of the entries' servers have one run each. */
  runsPerServer?: number;
}

export interface SeedResult {
  servers: number;
  entries: number;
  certifications: number;
  /** A few real values of the seeded data, for filters that hit. */
  sample: { serverType: string; tier: string; digest: string; serverName: string; serverId: string };
}

const TYPES = Array.from({ length: 20 }, (_, i) => `Type${i}`);
const TIERS = ['gold', 'silver', 'bronze'];
const REQUIREMENTS = ['security-scan', 'conformance', 'sbom', 'license', 'perf'];
const GRADES = ['gold', 'silver', 'watchlist'];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
/** Deterministic, sortable-enough UUIDs so re-runs build the same data. */
const uuid = (kind: number, n: number) => `${hex(kind, 8)}-0000-4000-8000-${hex(n, 12)}`;
/** Random-looking like real digests, so digest search sees realistic selectivity. */
const digestOf = (n: number) => `sha256:${createHash('sha256').update(String(n)).digest('hex')}`;

const SEEDED_TABLES = ['servers', 'catalog_artifacts', 'catalog_entries', 'evaluation_certifications'];

/**
 * Seeds into the schema the client's search_path points at; then ANALYZEs so plans see the real sizes. The tables'
 * secondary indexes are dropped for the load and built again after it (what a bulk load does: one sort per index
 * rather than millions of inserts into each, the trigram index above all); primary keys and unique indexes stay.
 */
export async function seedCatalog(
  client: PgLikeClient & { query(sql: string): Promise<unknown> },
  o: SeedOptions,
): Promise<SeedResult> {
  // A seed of millions of rows outlives any statement timeout a service pool sets; this session lifts it.
  await client.query('SET statement_timeout = 0');
  const indexes = (
    (await client.query(
      `SELECT i.indexname AS name, i.indexdef AS def
         FROM pg_indexes i JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
        WHERE i.schemaname = current_schema() AND i.tablename IN (${SEEDED_TABLES.map((t) => `'${t}'`).join(', ')})
          AND NOT x.indisunique`,
    )) as { rows: { name: string; def: string }[] }
  ).rows;
  for (const ix of indexes) await client.query(`DROP INDEX "${ix.name}"`);
  const perServer = o.runsPerServer ?? 10;
  const servers = Math.ceil(o.entries / perServer);
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const serverName = (s: number) => `srv-${hex(s, 7)}`;
  const typeOf = (s: number) => TYPES[s % TYPES.length];
  const tierOf = (s: number) => TIERS[s % TIERS.length];

  await copyFrom(
    client,
    `COPY servers (id, name, server_type, source_repository, source_branch, dockerfile_path, tier, owner, status,
                   version, created_at, updated_at) FROM STDIN`,
    function* () {
      for (let s = 0; s < servers; s += 1) {
        const at = new Date(base + s * 1000).toISOString();
        yield `${uuid(1, s)}\t${serverName(s)}\t${typeOf(s)}\thttps://git.example/${serverName(s)}.git\tmain\tDockerfile\t${tierOf(s)}\tops\tready\t1\t${at}\t${at}\n`;
      }
    },
  );

  const runServer = (r: number) => Math.floor(r / perServer);
  const completed = (r: number) => new Date(base + r * 60_000).toISOString();
  const gradeOf = (r: number) => GRADES[r % 7 === 0 ? 2 : r % 3 === 0 ? 1 : 0];
  const statusOf = (r: number) => (r % 7 === 0 ? 'failed' : 'succeeded');
  const platformsOf = (r: number): ArtifactPlatform[] => {
    const name = serverName(runServer(r));
    const digest = digestOf(r);
    return (['linux/amd64', 'linux/arm64'] as const).map((platform) => ({
      platform,
      remote_image: `registry.example/${name}@${digest}`,
      digest,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'unconfigured',
    }));
  };
  const issuesOf = (r: number): string[] =>
    gradeOf(r) === 'gold'
      ? []
      : gradeOf(r) === 'silver'
        ? ['evaluation-pending:gold:sbom']
        : ['build-failed'];

  /** Run r's certifications: numbers r·perRun onwards, so ids and windows are the same in every table. */
  const perRun = Math.max(1, Math.ceil(o.certifications / o.entries));
  const certsOf = (r: number) => {
    const out = [];
    for (let k = 0; k < perRun; k += 1) {
      const n = r * perRun + k;
      if (n >= o.certifications) break;
      const status = n % 11 === 0 ? 'fail' : n % 5 === 0 ? 'pending' : 'pass';
      // Half the decided ones ended long ago (and were announced), half run for years.
      const ended = n % 2 === 0;
      const until = status === 'pending' ? null : new Date(base + (ended ? 1 : 900) * 86_400_000);
      out.push({
        id: uuid(4, n),
        n,
        status,
        at: new Date(base + n * 1000).toISOString(),
        until,
        announced: status !== 'pending' && ended,
        requirement: `${REQUIREMENTS[k % REQUIREMENTS.length]}${k >= REQUIREMENTS.length ? `-${k}` : ''}`,
      });
    }
    return out;
  };

  await copyFrom(
    client,
    `COPY catalog_artifacts (id, server_id, build_id, source_repo, source_branch, source_revision, local_image,
                             registry_image, manifest_tag, manifest_digest, started_at, completed_at, multi_arch,
                             auth_refresh_attempted, auth_refresh_succeeded, auth_rotation_attempted,
                             auth_rotation_succeeded, credential_health_status, status, platforms, health_grade,
                             health_issues, updated_at) FROM STDIN`,
    function* () {
      for (let r = 0; r < o.entries; r += 1) {
        const s = runServer(r);
        const name = serverName(s);
        const digest = digestOf(r);
        yield `${uuid(2, r)}\t${uuid(1, s)}\t${uuid(3, r)}\thttps://git.example/${name}.git\tmain\t${hex(r, 40)}\tmcp-host/${name}:local\tregistry.example/${name}:r${r}\tr${r}\t${digest}\t${completed(r)}\t${completed(r)}\tt\tf\tf\tf\tf\tunconfigured\t${statusOf(r)}\t${JSON.stringify(platformsOf(r))}\t${gradeOf(r)}\t${JSON.stringify(issuesOf(r))}\t${completed(r)}\n`;
      }
    },
  );

  // Each entry's list row is rendered by the marketplace's own entry builder from the same values, as the service
  // would have rendered it; the seed has no promotions.
  const tiers = (
    (await client.query('SELECT tier, requirements FROM evaluation_tier_requirements')) as {
      rows: { tier: string; requirements: string[] }[];
    }
  ).rows;
  const required = new Map(tiers.map((t) => [t.tier, t.requirements]));
  const now = new Date();
  await copyFrom(
    client,
    `COPY catalog_entries (entry_id, artifact_run_id, server_id, server_name, server_type, server_tier,
                           server_updated_at, status, tier_key, sort_rank, search_text, manifest_digest, list_row,
                           list_row_fresh_until) FROM STDIN`,
    function* () {
      for (let r = 0; r < o.entries; r += 1) {
        const s = runServer(r);
        const name = serverName(s);
        const ms = base + r * 60_000;
        const search = `${name} r${r} registry.example/${name}:r${r} mcp-host/${name}:local`;
        const row: CatalogRow = {
          entry_id: uuid(2, r),
          server_id: uuid(1, s),
          server_name: name,
          server_type: typeOf(s),
          server_tier: tierOf(s),
          server_updated_at: new Date(base + s * 1000),
          sort_rank: String(-ms * 1000),
          artifact_run_id: uuid(2, r),
          status: statusOf(r),
          source_repo: `https://git.example/${name}.git`,
          source_branch: 'main',
          source_revision: hex(r, 40),
          registry_image: `registry.example/${name}:r${r}`,
          manifest_tag: `r${r}`,
          manifest_digest: digestOf(r),
          multi_arch: true,
          credential_health_status: 'unconfigured',
          platforms: platformsOf(r),
          health_grade: gradeOf(r),
          health_issues: issuesOf(r),
          completed_at: new Date(completed(r)),
          artifact_updated_at: new Date(completed(r)),
        };
        const certs = certsOf(r)
          .map((c) => ({
            id: c.id,
            artifact_run_id: row.entry_id,
            tier: tierOf(s),
            policy_requirement: c.requirement,
            effective_status: (c.until !== null && c.until <= now
              ? 'expired'
              : c.status) as EffectiveEvaluationStatus,
            valid_until: c.until,
          }))
          .sort((a, b) => (a.policy_requirement < b.policy_requirement ? -1 : 1));
        const { entry, freshUntil } = buildEntry(row, certs, [], required.get(tierOf(s)) ?? [], now);
        const listRow = JSON.stringify(entry).replace(/\\/g, '\\\\');
        yield `${row.entry_id}\t${row.artifact_run_id}\t${row.server_id}\t${name}\t${typeOf(s)}\t${tierOf(s)}\t${row.server_updated_at.toISOString()}\t${statusOf(r)}\t${`${gradeOf(r)}:${typeOf(s)}`.toLowerCase()}\t${row.sort_rank}\t${search}\t${digestOf(r)}\t${listRow}\t${freshUntil === null ? '\\N' : freshUntil.toISOString()}\n`;
      }
    },
  );

  await copyFrom(
    client,
    `COPY evaluation_certifications (id, artifact_run_id, server_id, manifest_digest, tier, policy_requirement,
                                     status, evidence, valid_from, valid_until, expiry_announced_at, version,
                                     created_at, updated_at)
     FROM STDIN`,
    function* () {
      for (let r = 0; r < o.entries; r += 1) {
        const s = runServer(r);
        for (const c of certsOf(r)) {
          const until = c.until === null ? '\\N' : c.until.toISOString();
          yield `${c.id}\t${uuid(2, r)}\t${uuid(1, s)}\t${digestOf(r)}\t${tierOf(s)}\t${c.requirement}\t${c.status}\t\\N\t${c.status === 'pending' ? '\\N' : c.at}\t${until}\t${c.announced ? until : '\\N'}\t1\t${c.at}\t${c.at}\n`;
        }
      }
    },
  );

  for (const ix of indexes) await client.query(ix.def);
  await client.query(`ANALYZE ${SEEDED_TABLES.join(', ')}`);
  await client.query('RESET statement_timeout');
  const sampleRun = Math.floor(o.entries / 2);
  const s = runServer(sampleRun);
  return {
    servers,
    entries: o.entries,
    certifications: o.certifications,
    sample: {
      serverType: typeOf(s),
      tier: `${gradeOf(sampleRun)}:${typeOf(s)}`,
      digest: digestOf(sampleRun),
      serverName: serverName(s),
      serverId: uuid(1, s),
    },
  };
}

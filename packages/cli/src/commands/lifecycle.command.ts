// `mcpctl lifecycle list|watch`: the lifecycle console, one snapshot per server (promotion lane, gate verdicts, trust
// posture, marketplace readiness) listed per remediation run, and the live feed of `lifecycle.snapshot.updated` deltas.
import {
  lifecyclePageSchema,
  lifecycleSnapshotSchema,
  type LifecycleSnapshot,
  LIFECYCLE_STATES,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse } from './governance.command';

type Run = LifecycleSnapshot['recent_remediation_runs'][number];

/** One table row: a server's snapshot with one of its recent runs, or with none when it has no run. */
interface Row {
  s: LifecycleSnapshot;
  run: Run | undefined;
}

/** `1234 ms` below a second, else `12 s (12345 ms)`: the spec asks for both units. */
export function formatDuration(ms: number | null | undefined, seconds?: number | null): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  if (ms < 1000) return `${ms} ms`;
  return `${seconds ?? Math.floor(ms / 1000)} s (${ms} ms)`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * A provenance object as `key=value` lines: scalars only (digests shortened), nested objects by their keys, nulls
 * left out. `--json` has the whole object.
 */
export function formatProvenance(p: Record<string, unknown> | null | undefined): string | undefined {
  if (!p) return undefined;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(p)) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value === 'object') {
      const keys = Array.isArray(value) ? value.map(String) : Object.keys(value);
      if (keys.length > 0) lines.push(`${key}={${keys.join(',')}}`);
    } else if (typeof value === 'string') {
      lines.push(`${key}=${DIGEST.test(value) ? (shortDigest(value) ?? value) : value}`);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      lines.push(`${key}=${value}`);
    }
  }
  return lines.join('\n');
}

function ledgerSummary(s: LifecycleSnapshot): string | undefined {
  if (!s.ledger) return undefined;
  const n = s.ledger.artifacts;
  return `${n} build${n === 1 ? '' : 's'}, ${s.ledger.succeeded} succeeded`;
}

function fingerprints(r: Row): string | undefined {
  const all = r.run
    ? (r.run.artifact_fingerprints ?? (r.run.artifact_fingerprint ? [r.run.artifact_fingerprint] : []))
    : r.s.manifest_digest
      ? [r.s.manifest_digest]
      : [];
  return all.map((d) => shortDigest(d) ?? d).join('\n');
}

function verdictRef(s: LifecycleSnapshot): string | null {
  return s.promotion ? `promotion:${s.promotion.promotion_id}:${s.promotion.status}` : null;
}

const LIFECYCLE_COLUMNS: readonly Column<Row>[] = [
  { header: 'SERVER', value: ({ s }) => s.server_name },
  { header: 'STATE', value: ({ s }) => s.lifecycle_state },
  { header: 'LANE', value: ({ s }) => s.promotion_lane },
  { header: 'RUN', value: ({ run }) => (run ? `${run.playbook} ${run.status}\n${run.run_id}` : undefined) },
  { header: 'ATTEMPT', value: ({ run }) => run?.attempt },
  { header: 'RETRIES', value: ({ s, run }) => (run ? run.retries : (s.retries_total ?? 0)) },
  {
    header: 'LEDGER',
    value: ({ s, run }) =>
      run
        ? [run.ledger_summary ?? ledgerSummary(s), ...run.ledger].filter(Boolean).join('\n')
        : ledgerSummary(s),
  },
  { header: 'DURATION', value: ({ run }) => formatDuration(run?.duration_ms, run?.duration_seconds) },
  {
    header: 'OVERRIDES',
    value: ({ run }) =>
      run ? (run.override_actors ?? (run.override_actor ? [run.override_actor] : [])).join(', ') : undefined,
  },
  { header: 'VERDICT', value: ({ s, run }) => (run ? run.promotion_verdict_ref : verdictRef(s)) },
  { header: 'FINGERPRINT', value: fingerprints },
  { header: 'TRUST', value: ({ s, run }) => run?.trust_posture ?? s.trust_posture },
  { header: 'READINESS', value: ({ s, run }) => run?.marketplace_readiness ?? s.marketplace_readiness },
  { header: 'PROVENANCE', value: ({ s, run }) => formatProvenance(run ? run.provenance : s.provenance) },
];

/** A server with runs gives one row per run, newest first as the API sends them; one without gives one row. */
function rows(items: readonly LifecycleSnapshot[]): Row[] {
  return items.flatMap((s): Row[] =>
    s.recent_remediation_runs.length === 0
      ? [{ s, run: undefined }]
      : s.recent_remediation_runs.map((run) => ({ s, run })),
  );
}

/** One delta as a line: when, which server, its version, state, what changed, lane, gates, posture and retries. */
export function deltaLine(s: LifecycleSnapshot): string {
  const at = s.heartbeat?.emitted_at ?? s.updated_at;
  const changed = s.delta?.changed.join(',') || '-';
  const gates = s.gate_verdicts.join(',') || '-';
  return (
    `${at} ${s.server_name} ${s.server_id} v${s.version} ${s.lifecycle_state} changed=${changed} ` +
    `lane=${s.promotion_lane ?? '-'} gates=${gates} trust=${s.trust_posture ?? '-'} ` +
    `readiness=${s.marketplace_readiness ?? '-'} retries=${s.retries_total ?? 0}`
  );
}

interface Filters {
  lifecycleState?: string;
  ownerId?: string;
  promotionLane?: string;
}

function filterOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--lifecycle-state <state>', 'only servers in this lifecycle state').choices(
        LIFECYCLE_STATES,
      ),
    )
    .option('--owner-id <user>', 'only servers of this owner')
    .option('--promotion-lane <lane>', 'only servers on this promotion lane (track/stage)');
}

export function registerLifecycleCommands(program: Command, io: CliIo): void {
  const lifecycle = program
    .command('lifecycle')
    .description(
      'The lifecycle console: promotion automation, gate verdicts, trust posture and recent remediation runs per server.',
    );

  filterOptions(
    lifecycle
      .command('list')
      .description(
        'List lifecycle snapshots, one row per recent remediation run (one per server without runs).',
      ),
  )
    .addOption(new Option('--limit <n>', 'servers per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every server')
    .action(async (opts: Filters & { limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(
        client,
        API.lifecycleList,
        {
          lifecycle_state: opts.lifecycleState,
          owner_id: opts.ownerId,
          promotion_lane: opts.promotionLane,
          limit: opts.limit,
        },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const { items, next_cursor } = decode(lifecyclePageSchema, page, 'GET /api/lifecycle');
      out.table(rows(items), LIFECYCLE_COLUMNS, 'No lifecycle snapshots.');
      if (next_cursor !== null) out.line('More servers exist: pass --all to list them.');
    });

  filterOptions(
    lifecycle
      .command('watch')
      .description(
        'Follow lifecycle snapshot deltas live (resumes after a dropped connection); Ctrl-C to stop.',
      ),
  )
    .addOption(new Option('--count <n>', 'stop after this many deltas').argParser(positiveInt()))
    .action(async (opts: Filters & { count?: number }, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const query = new URLSearchParams();
      if (opts.lifecycleState) query.set('lifecycle_state', opts.lifecycleState);
      if (opts.ownerId) query.set('owner_id', opts.ownerId);
      if (opts.promotionLane) query.set('promotion_lane', opts.promotionLane);
      const path = `${API.lifecycleStream.path}${query.size ? `?${query.toString()}` : ''}`;
      let seen = 0;
      await followSse(io, connection, path, (event) => {
        const parsed = lifecycleSnapshotSchema.safeParse(event.data);
        if (!parsed.success) return false;
        const s = parsed.data;
        if (opts.lifecycleState && s.lifecycle_state !== opts.lifecycleState) return false;
        if (opts.ownerId && s.owner_id !== opts.ownerId) return false;
        if (opts.promotionLane && s.promotion_lane !== opts.promotionLane) return false;
        out.line(
          out.json ? JSON.stringify({ type: event.type, id: event.id, data: event.data }) : deltaLine(s),
        );
        seen += 1;
        return opts.count !== undefined && seen >= opts.count;
      });
    });
}

// `mcpctl trust registry|get|history|transition|watch`: the trust registry of VM instances — latest snapshots,
// one instance's lifecycle, remediation and provenance, its recent transitions, guarded operator transitions, and
// a live stream of transitions (resuming after a dropped connection).
import {
  trustHistoryResponseSchema,
  trustRegistryEntrySchema,
  trustRegistryPageSchema,
  trustRegistryTransitionSchema,
  type TrustRegistryEntry,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import type { Column, Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse } from './governance.command';

const ENTRY_COLUMNS: readonly Column<TrustRegistryEntry>[] = [
  { header: 'INSTANCE', value: (e) => e.vm_instance_id },
  { header: 'SERVER', value: (e) => e.server_id },
  { header: 'LIFECYCLE', value: (e) => e.lifecycle_state },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'REMEDIATION', value: (e) => e.remediation_state ?? '-' },
  { header: 'VERSION', value: (e) => e.version },
  { header: 'FRESHNESS', value: (e) => (e.stale ? 'stale' : 'fresh') },
  { header: 'LAST EVIDENCE', value: (e) => e.last_evidence_at },
];

function printEntry(out: Output, e: TrustRegistryEntry): void {
  out.record([
    ['instance', e.vm_instance_id],
    ['server', e.server_id],
    ['lifecycle', e.lifecycle_state],
    ['status', e.status],
    ['remediation', e.remediation_state],
    ['provenance', e.provenance ? JSON.stringify(e.provenance) : null],
    ['version', e.version],
    ['freshness', e.stale ? 'stale' : 'fresh'],
    ['last evidence', e.last_evidence_at],
    ['updated', e.updated_at],
  ]);
}

function parseJsonObject(flag: string): (value: string) => Record<string, unknown> {
  return (value) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new CliError(`${flag} must be a JSON object`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CliError(`${flag} must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  };
}

export function registerTrustCommands(program: Command, io: CliIo): void {
  const trust = program
    .command('trust')
    .description(
      'Trust registry of VM instances: attestation status, lifecycle, remediation and provenance.',
    );

  trust
    .command('registry')
    .description('List the latest trust registry snapshots.')
    .option('--server-id <id>', 'only instances of this server')
    .option('--lifecycle <state>', 'only instances in this lifecycle state')
    .option('--status <status>', 'only instances with this trust status')
    .addOption(new Option('--stale', 'only instances whose evidence is stale').conflicts('fresh'))
    .addOption(new Option('--fresh', 'only instances whose evidence is fresh'))
    .addOption(new Option('--limit <n>', 'snapshots per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every snapshot')
    .action(
      async (
        opts: {
          serverId?: string;
          lifecycle?: string;
          status?: string;
          stale?: boolean;
          fresh?: boolean;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.trustRegistryList,
          {
            server_id: opts.serverId,
            lifecycle: opts.lifecycle,
            status: opts.status,
            stale: opts.stale ? 'true' : opts.fresh ? 'false' : undefined,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(trustRegistryPageSchema, page, 'GET /api/trust/registry');
        out.table(items, ENTRY_COLUMNS, 'No trust registry entries.');
        if (next_cursor !== null) out.line('More entries exist: pass --all to list them.');
      },
    );

  trust
    .command('get')
    .description("Show a VM instance's lifecycle, remediation and provenance.")
    .argument('<vm-instance-id>', 'the VM instance id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.trustRegistryGet, { params: { id } });
      if (out.json) return out.raw(body);
      printEntry(out, decode(trustRegistryEntrySchema, body, 'GET /api/trust/registry/:id'));
    });

  trust
    .command('history')
    .description("A VM instance's recent trust registry transitions, newest first.")
    .argument('<vm-instance-id>', 'the VM instance id')
    .addOption(new Option('--limit <n>', 'transitions to show (1-200)').argParser(positiveInt(200)))
    .action(async (id: string, opts: { limit?: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.trustRegistryHistory, {
        params: { id },
        query: { limit: opts.limit },
      });
      if (out.json) return out.raw(body);
      const { items } = decode(trustHistoryResponseSchema, body, 'GET /api/trust/registry/:id/history');
      out.table(
        items,
        [
          { header: 'VERSION', value: (h) => h.version },
          {
            header: 'FROM',
            value: (h) =>
              h.previous_lifecycle_state ? `${h.previous_status}/${h.previous_lifecycle_state}` : '-',
          },
          { header: 'TO', value: (h) => `${h.status}/${h.lifecycle_state}` },
          { header: 'ACTOR', value: (h) => h.actor ?? '-' },
          { header: 'REASON', value: (h) => h.reason ?? '' },
          { header: 'AT', value: (h) => h.transitioned_at },
        ],
        'No transitions.',
      );
    });

  trust
    .command('transition')
    .description(
      'Submit a guarded lifecycle transition (409 when the state machine or the version refuses it).',
    )
    .argument('<vm-instance-id>', 'the VM instance id')
    .requiredOption('--status <status>', 'the new trust status (pending, verified, failed, revoked)')
    .requiredOption('--lifecycle <state>', 'the new lifecycle state')
    .addOption(
      new Option('--expected-version <n>', 'the version last read; a stale one is refused').argParser(
        positiveInt(),
      ),
    )
    .option('--remediation-state <state>', 'the remediation state to record')
    .addOption(
      new Option('--provenance <json>', 'provenance JSON object').argParser(parseJsonObject('--provenance')),
    )
    .option('--reason <text>', 'why')
    .action(
      async (
        id: string,
        opts: {
          status: string;
          lifecycle: string;
          expectedVersion?: number;
          remediationState?: string;
          provenance?: Record<string, unknown>;
          reason?: string;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.trustRegistryTransition, {
          params: { id },
          body: {
            status: opts.status,
            lifecycle_state: opts.lifecycle,
            expected_version: opts.expectedVersion,
            remediation_state: opts.remediationState,
            provenance: opts.provenance,
            reason: opts.reason,
          },
        });
        if (out.json) return out.raw(body);
        printEntry(out, decode(trustRegistryEntrySchema, body, 'POST /api/trust/registry/:id/transition'));
      },
    );

  trust
    .command('watch')
    .description(
      'Follow trust registry transitions live (resumes after a dropped connection); Ctrl-C to stop.',
    )
    .option('--server-id <id>', 'only instances of this server')
    .option('--lifecycle <state>', 'only transitions into this lifecycle state')
    .option('--status <status>', 'only transitions into this status')
    .addOption(new Option('--count <n>', 'stop after this many transitions').argParser(positiveInt()))
    .action(
      async (
        opts: { serverId?: string; lifecycle?: string; status?: string; count?: number },
        cmd: Command,
      ) => {
        const { out } = contextFor(cmd, io);
        const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
        const query = new URLSearchParams();
        if (opts.serverId) query.set('server_id', opts.serverId);
        if (opts.lifecycle) query.set('lifecycle', opts.lifecycle);
        if (opts.status) query.set('status', opts.status);
        const path = `${API.trustStream.path}${query.size ? `?${query.toString()}` : ''}`;
        let seen = 0;
        await followSse(io, connection, path, (event) => {
          const parsed = trustRegistryTransitionSchema.safeParse(event.data);
          if (!parsed.success) return false;
          const t = parsed.data;
          if (opts.serverId && t.server_id !== opts.serverId) return false;
          if (opts.lifecycle && t.lifecycle_state !== opts.lifecycle) return false;
          if (opts.status && t.status !== opts.status) return false;
          if (out.json) out.line(JSON.stringify({ type: event.type, id: event.id, data: event.data }));
          else {
            const from = t.previous_lifecycle_state
              ? `${t.previous_status}/${t.previous_lifecycle_state}`
              : '-';
            out.line(
              `${t.transitioned_at} ${t.vm_instance_id} ${from} → ${t.status}/${t.lifecycle_state} v${t.version} ${t.actor ?? '-'}${t.reason ? ` ${t.reason}` : ''}`,
            );
          }
          seen += 1;
          return opts.count !== undefined && seen >= opts.count;
        });
      },
    );
}

// `mcpctl remediation playbooks list`, `remediation runs list|enqueue|approve|artifacts` and `remediation watch`:
// the catalogued playbooks, remediation runs with their approvals (optimistic version), the artifacts they stored, and
// a live stream of run logs and status changes (resuming after a dropped connection).
import {
  remediationArtifactListSchema,
  remediationPlaybookListSchema,
  remediationRunLogSchema,
  remediationRunPageSchema,
  remediationRunSchema,
  remediationRunStatusChangedSchema,
  type RemediationRun,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse } from './governance.command';

const RUN_COLUMNS: readonly Column<RemediationRun>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'INSTANCE', value: (r) => r.instance_id },
  { header: 'PLAYBOOK', value: (r) => r.playbook },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'APPROVAL', value: (r) => r.approval_state },
  { header: 'VERSION', value: (r) => r.version },
  { header: 'SLA', value: (r) => (r.sla_breached ? 'breached' : r.sla_due_at) },
  { header: 'OWNER', value: (r) => r.owner ?? '-' },
];

function printRun(out: Output, r: RemediationRun): void {
  out.record([
    ['id', r.id],
    ['instance', r.instance_id],
    ['playbook', r.playbook],
    ['executor', r.executor_type],
    ['status', r.status],
    ['approval', r.approval_state],
    ['approver', r.approver],
    ['version', r.version],
    ['attempt', r.attempt],
    ['sla due', r.sla_due_at],
    ['sla breached', r.sla_breached],
    ['failure', r.failure_reason],
    ['owner', r.owner],
    ['created', r.created_at],
    ['finished', r.finished_at],
  ]);
}

function jsonObject(flag: string): (value: string) => Record<string, unknown> {
  return (value) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new CliError(`${flag} must be a JSON object`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new CliError(`${flag} must be a JSON object`);
    return parsed as Record<string, unknown>;
  };
}

export function registerRemediationCommands(program: Command, io: CliIo): void {
  const remediation = program
    .command('remediation')
    .description('Remediation playbooks, runs, approvals and artifacts.');

  remediation
    .command('playbooks')
    .description('Remediation playbooks.')
    .command('list')
    .description('List playbooks with their executor, approval and SLA.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.remediationPlaybooks, {});
      if (out.json) return out.raw(body);
      const { items } = decode(remediationPlaybookListSchema, body, 'GET /api/remediation/playbooks');
      out.table(
        items,
        [
          { header: 'NAME', value: (p) => p.name },
          { header: 'EXECUTOR', value: (p) => p.executor_type },
          { header: 'APPROVAL', value: (p) => (p.requires_approval ? 'required' : 'not required') },
          { header: 'SLA (S)', value: (p) => p.sla_seconds },
          { header: 'PARAMETERS', value: (p) => Object.keys(p.parameters).join(', ') },
        ],
        'No playbooks.',
      );
    });

  const runs = remediation.command('runs').description('Remediation runs.');

  runs
    .command('list')
    .description('List remediation runs, oldest first.')
    .option('--instance-id <id>', 'only runs for this VM instance')
    .option('--status <status>', 'only runs in this status')
    .addOption(new Option('--limit <n>', 'runs per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every run')
    .action(
      async (opts: { instanceId?: string; status?: string; limit?: number; all?: boolean }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.remediationRunsList,
          { instance_id: opts.instanceId, status: opts.status, limit: opts.limit },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(remediationRunPageSchema, page, 'GET /api/remediation/runs');
        out.table(items, RUN_COLUMNS, 'No remediation runs.');
        if (next_cursor !== null) out.line('More runs exist: pass --all to list them.');
      },
    );

  runs
    .command('enqueue')
    .description('Queue a remediation run of a playbook for a VM instance.')
    .argument('<instance-id>', 'the VM instance id')
    .argument('<playbook>', 'the playbook name')
    .addOption(new Option('--metadata <json>', 'metadata JSON object').argParser(jsonObject('--metadata')))
    .addOption(new Option('--payload <json>', 'payload JSON object').argParser(jsonObject('--payload')))
    .option('--owner <user-id>', 'the owner of the run')
    .action(
      async (
        instanceId: string,
        playbook: string,
        opts: { metadata?: Record<string, unknown>; payload?: Record<string, unknown>; owner?: string },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.remediationRunsEnqueue, {
          body: {
            instance_id: instanceId,
            playbook,
            metadata: opts.metadata,
            payload: opts.payload,
            owner: opts.owner,
          },
        });
        if (out.json) return out.raw(body);
        printRun(out, decode(remediationRunSchema, body, 'POST /api/remediation/runs'));
      },
    );

  runs
    .command('approve')
    .description('Approve or reject a run awaiting approval (a stale --version is refused).')
    .argument('<run-id>', 'the run id')
    .addOption(
      new Option('--state <state>', 'approved or rejected')
        .choices(['approved', 'rejected'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--version <n>', 'the run version last read').argParser(positiveInt()).makeOptionMandatory(),
    )
    .option('--notes <text>', 'notes for the record')
    .action(async (id: string, opts: { state: string; version: number; notes?: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.remediationRunsApprove, {
        params: { id },
        body: { approval_state: opts.state, version: opts.version, notes: opts.notes },
      });
      if (out.json) return out.raw(body);
      printRun(out, decode(remediationRunSchema, body, 'POST /api/remediation/runs/:id/approve'));
    });

  runs
    .command('artifacts')
    .description('List the artifacts (logs, evidence bundles) a run stored, with their digests.')
    .argument('<run-id>', 'the run id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.remediationRunsArtifacts, { params: { id } });
      if (out.json) return out.raw(body);
      const { items } = decode(
        remediationArtifactListSchema,
        body,
        'GET /api/remediation/runs/:id/artifacts',
      );
      out.table(
        items,
        [
          { header: 'ID', value: (a) => a.id },
          { header: 'KIND', value: (a) => a.kind },
          { header: 'DIGEST', value: (a) => shortDigest(a.digest) },
          { header: 'BYTES', value: (a) => a.size_bytes },
          { header: 'RECORDED', value: (a) => a.recorded_at },
        ],
        'No artifacts.',
      );
    });

  remediation
    .command('watch')
    .description(
      'Follow remediation logs and status changes live (resumes after a dropped connection); Ctrl-C to stop.',
    )
    .option('--run-id <id>', 'only this run')
    .addOption(new Option('--count <n>', 'stop after this many events').argParser(positiveInt()))
    .action(async (opts: { runId?: string; count?: number }, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const path = `${API.remediationStream.path}${opts.runId ? `?run_id=${encodeURIComponent(opts.runId)}` : ''}`;
      let seen = 0;
      await followSse(io, connection, path, (event) => {
        const data = event.data as { run_id?: unknown };
        if (opts.runId && data?.run_id !== opts.runId) return false;
        let line: string | undefined;
        const log = remediationRunLogSchema.safeParse(event.data);
        const status = remediationRunStatusChangedSchema.safeParse(event.data);
        if (event.type === 'remediation.run.log' && log.success) {
          line = `${log.data.logged_at} ${log.data.run_id} [${log.data.stream}] ${log.data.line}`;
        } else if (event.type === 'remediation.run.status_changed' && status.success) {
          const s = status.data;
          line = `${s.changed_at} ${s.run_id} ${s.from_status} → ${s.to_status}${s.sla_breached ? ' (SLA breached)' : ''}${s.reason ? ` ${s.reason}` : ''}`;
        }
        if (line === undefined) return false;
        out.line(out.json ? JSON.stringify({ type: event.type, id: event.id, data: event.data }) : line);
        seen += 1;
        return opts.count !== undefined && seen >= opts.count;
      });
    });
}

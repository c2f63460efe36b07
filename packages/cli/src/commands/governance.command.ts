// `mcpctl governance workflows list|create|start` and `governance runs get|list|transition|watch`: workflow
// definitions, their runs, and a live follow of one run over SSE that resumes after a dropped connection.
import {
  GOVERNANCE_RUN_STATUSES,
  GOVERNANCE_TRANSITION_STATUSES,
  GOVERNANCE_WORKFLOW_KINDS,
} from '@mcp-host/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decode, type Decoder } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, withSpinner, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

type WorkflowKind = (typeof GOVERNANCE_WORKFLOW_KINDS)[number];

interface WorkflowStepInput {
  name: string;
  action?: string;
}

/** The fields the tables show; contracts has no response schema for workflows yet, so they are read by hand. */
interface WorkflowView {
  id: string;
  name: string;
  kind: string;
  tier: string;
  steps: { name: string; action: string | null }[];
  created_at: string;
}

const WORKFLOW_COLUMNS: readonly Column<WorkflowView>[] = [
  { header: 'ID', value: (w) => w.id },
  { header: 'NAME', value: (w) => w.name },
  { header: 'KIND', value: (w) => w.kind },
  { header: 'TIER', value: (w) => w.tier },
  {
    header: 'STEPS',
    value: (w) => w.steps.map((s) => (s.action ? `${s.name}:${s.action}` : s.name)).join(' → '),
  },
  { header: 'CREATED', value: (w) => w.created_at },
];

/** `NAME` or `NAME:ACTION`; the action is what the step does when a run reaches it, e.g. `approve`. */
export function parseStep(value: string, previous: WorkflowStepInput[] | undefined): WorkflowStepInput[] {
  const at = value.indexOf(':');
  const name = (at === -1 ? value : value.slice(0, at)).trim();
  const action = at === -1 ? undefined : value.slice(at + 1).trim();
  if (name === '') throw new InvalidArgumentError('a step needs a name: NAME or NAME:ACTION.');
  if (action === '') throw new InvalidArgumentError(`step "${name}" has an empty action after ":".`);
  return [...(previous ?? []), action === undefined ? { name } : { name, action }];
}

export function registerGovernanceCommands(program: Command, io: CliIo): void {
  const governance = program.command('governance').description('Governance workflows and their runs.');
  const workflows = governance.command('workflows').description('Governance workflow definitions.');

  workflows
    .command('list')
    .description('List governance workflows, newest first.')
    .option('--tier <tier>', 'only workflows for this tier')
    .addOption(new Option('--kind <kind>', 'only workflows of this kind').choices(GOVERNANCE_WORKFLOW_KINDS))
    .addOption(new Option('--limit <n>', 'workflows per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every workflow')
    .action(
      async (opts: { tier?: string; kind?: WorkflowKind; limit?: number; all?: boolean }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.workflowsList,
          { tier: opts.tier, kind: opts.kind, limit: opts.limit },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const items = page.items.map((item, i) =>
          decode(workflowDecoder, item, `GET /api/governance/workflows item ${i}`),
        );
        out.table(items, WORKFLOW_COLUMNS, 'No workflows.');
        if (page.next_cursor !== null) out.line('More workflows exist: pass --all to list them.');
      },
    );

  workflows
    .command('create')
    .description('Create a workflow with ordered steps (repeat --step, first to last).')
    .argument('<name>', 'a unique workflow name')
    .requiredOption('--tier <tier>', 'the tier the workflow governs')
    .addOption(
      new Option('--step <name[:action]>', 'a step, e.g. review:approve (repeatable, in order)')
        .argParser(parseStep)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--kind <kind>', 'what the workflow governs (default: promotion)').choices(
        GOVERNANCE_WORKFLOW_KINDS,
      ),
    )
    .option('--description <text>', 'what the workflow is for')
    .action(
      async (
        name: string,
        opts: { tier: string; step: WorkflowStepInput[]; kind?: WorkflowKind; description?: string },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          name,
          tier: opts.tier,
          steps: opts.step,
          ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
        };
        const created = await withSpinner(io, `Creating workflow ${name}`, () =>
          client.call(API.workflowsCreate, { body }),
        );
        if (out.json) return out.raw(created);
        const workflow = decode(workflowDecoder, created, 'POST /api/governance/workflows');
        out.table([workflow], WORKFLOW_COLUMNS, 'No workflow.');
      },
    );

  workflows
    .command('start')
    .description('Start a run of a workflow for an artifact (a digest, an artifact run id, or both).')
    .argument('<workflow-id>', 'the workflow to run')
    .option('--artifact-run-id <id>', 'the ledger run of the artifact')
    .option('--manifest-digest <digest>', 'the manifest digest of the artifact')
    .option('--tier <tier>', "the tier (default: the workflow's)")
    .option('--context <json>', 'a JSON object kept with the run', parseJsonObject)
    .action(
      async (
        workflowId: string,
        opts: {
          artifactRunId?: string;
          manifestDigest?: string;
          tier?: string;
          context?: Record<string, unknown>;
        },
        cmd: Command,
      ) => {
        if (opts.artifactRunId === undefined && opts.manifestDigest === undefined)
          throw new CliError('Pass --artifact-run-id, --manifest-digest or both.');
        const { client, out } = contextFor(cmd, io);
        const body = {
          ...(opts.artifactRunId !== undefined ? { artifact_run_id: opts.artifactRunId } : {}),
          ...(opts.manifestDigest !== undefined ? { manifest_digest: opts.manifestDigest } : {}),
          ...(opts.tier !== undefined ? { tier: opts.tier } : {}),
          ...(opts.context !== undefined ? { context: opts.context } : {}),
        };
        const run = await withSpinner(io, 'Starting run', () =>
          client.call(API.workflowRunsStart, { params: { id: workflowId }, body }),
        );
        if (out.json) return out.raw(run);
        printRun(out, decode(runDecoder, run, 'POST /api/governance/workflows/:id/runs'));
      },
    );

  const runs = governance.command('runs').description('Governance workflow runs.');

  runs
    .command('get')
    .description('Show a run with its steps and audit log.')
    .argument('<run-id>', 'the run')
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const run = await client.call(API.runsGet, { params: { id: runId } });
      if (out.json) return out.raw(run);
      printRun(out, decode(runDecoder, run, 'GET /api/governance/runs/:id'));
    });

  runs
    .command('list')
    .description('List runs in start order.')
    .option('--workflow-id <id>', 'only runs of this workflow')
    .addOption(new Option('--status <status>', 'only runs in this status').choices(GOVERNANCE_RUN_STATUSES))
    .option('--manifest-digest <digest>', 'only runs for this digest')
    .option('--tier <tier>', 'only runs for this tier')
    .addOption(new Option('--limit <n>', 'runs per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every run')
    .action(
      async (
        opts: {
          workflowId?: string;
          status?: string;
          manifestDigest?: string;
          tier?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.runsList,
          {
            workflow_id: opts.workflowId,
            status: opts.status,
            manifest_digest: opts.manifestDigest,
            tier: opts.tier,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const items = page.items.map((item, i) =>
          decode(runDecoder, item, `GET /api/governance/runs item ${i}`),
        );
        out.table(items, RUN_COLUMNS, 'No runs.');
        if (page.next_cursor !== null) out.line('More runs exist: pass --all to list them.');
      },
    );

  runs
    .command('transition')
    .description('Move a run, or one of its steps with --step, to a status; the note goes to the audit log.')
    .argument('<run-id>', 'the run')
    .addOption(
      new Option('--status <status>', 'the status to move to')
        .choices(GOVERNANCE_TRANSITION_STATUSES)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--step <position>', 'move this step (0-based) instead of the run').argParser(
        nonNegativeInt,
      ),
    )
    .option('--note <text>', 'why, for the audit log')
    .addOption(
      new Option('--version <n>', 'the version you last read; a stale one is refused').argParser(
        positiveInt(),
      ),
    )
    .action(
      async (
        runId: string,
        opts: { status: string; step?: number; note?: string; version?: number },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          status: opts.status,
          ...(opts.step !== undefined ? { step_position: opts.step } : {}),
          ...(opts.note !== undefined ? { note: opts.note } : {}),
          ...(opts.version !== undefined ? { version: opts.version } : {}),
        };
        const run = await withSpinner(io, `Moving run ${runId} to ${opts.status}`, () =>
          client.call(API.runsTransition, { params: { id: runId }, body }),
        );
        if (out.json) return out.raw(run);
        printRun(out, decode(runDecoder, run, 'POST /api/governance/runs/:id/status'));
      },
    );

  runs
    .command('watch')
    .description(
      'Show a run, then follow its transitions live until it completes (resumes after a dropped connection).',
    )
    .argument('<run-id>', 'the run')
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const path = API.runsStream.path.replace(':id', encodeURIComponent(runId));
      let snapshotVersion = 0;
      await followSse(io, connection, path, (event) => {
        // The gateway opens the stream with the run as it is (read after the stream was placed, so nothing falls
        // in a gap); a reconnect resumes after it and gets no second snapshot.
        if (event.type === 'snapshot') {
          const snapshot = decode(runDecoder, event.data, 'GET /api/governance/runs/:id/stream (snapshot)');
          snapshotVersion = snapshot.version;
          if (out.json) out.line(JSON.stringify({ type: 'snapshot', id: event.id, data: snapshot }));
          else out.line(`${runId} ${snapshot.status} (version ${snapshot.version})`);
          return FINAL_RUN_STATUSES.includes(snapshot.status);
        }
        const data = event.data as Record<string, unknown>;
        if (data.run_id !== runId) return false;
        // The snapshot already showed everything up to its version.
        if (typeof data.version === 'number' && data.version <= snapshotVersion) return false;
        if (out.json) out.line(JSON.stringify({ type: event.type, id: event.id, data }));
        else out.line(describeRunEvent(event.type, data));
        return event.type === 'governance.run.completed';
      });
    });
}

const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'];

function describeRunEvent(type: string, d: Record<string, unknown>): string {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '?');
  const who = typeof d.actor === 'string' ? ` by ${d.actor}` : '';
  const note = typeof d.note === 'string' ? `: ${d.note}` : '';
  if (type === 'governance.run.transitioned') {
    const step = d.step as { position: number; status: string } | null;
    return step
      ? `${text(d.run_id)} step ${step.position} ${text(d.step_from_status)} → ${step.status}${who}${note}`
      : `${text(d.run_id)} ${text(d.from_status)} → ${text(d.to_status)}${who}${note}`;
  }
  if (type === 'governance.run.completed') return `${text(d.run_id)} completed: ${text(d.status)}`;
  return `${text(d.run_id)} ${type}`;
}

export interface SseEvent {
  id: string | undefined;
  type: string;
  data: unknown;
}

/**
 * Follows an SSE stream through the gateway: on a dropped connection it reconnects with Last-Event-ID, so nothing
 * is lost. `onOpen` runs once, after the first connect (true stops there). Stops when `onEvent` returns true; gives up
 * after MAX_RECONNECTS failed connects in a row.
 */
export async function followSse(
  io: CliIo,
  connection: { baseUrl: URL; token: string | undefined },
  path: string,
  onEvent: (event: SseEvent) => boolean,
  opts: { retryMs?: number; onOpen?: () => Promise<boolean> } = {},
): Promise<void> {
  const MAX_RECONNECTS = 10;
  const url = new URL(`${connection.baseUrl.pathname.replace(/\/+$/, '')}${path}`, connection.baseUrl);
  let lastId: string | undefined;
  let opened = false;
  let failures = 0;
  let retryMs = opts.retryMs ?? 500;
  for (;;) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (connection.token !== undefined) headers.authorization = `Bearer ${connection.token}`;
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    let done = false;
    try {
      const res = await io.request(url, { method: 'GET', headers, bodyTimeout: 0 });
      if (res.statusCode >= 400) {
        const text = await res.body.text();
        let message = `GET ${path} failed with HTTP ${res.statusCode}`;
        try {
          const body = JSON.parse(text) as { error?: { message?: string } };
          if (body.error?.message) message = body.error.message;
        } catch {
          // not JSON: keep the status line
        }
        throw new CliError(message, undefined, res.statusCode);
      }
      failures = 0;
      if (opts.onOpen && !opened) {
        opened = true;
        if (await opts.onOpen()) {
          res.body.destroy();
          return;
        }
      }
      let buffer = '';
      let frame: { id?: string; type?: string; data: string[] } = { data: [] };
      for await (const chunk of res.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (frame.id !== undefined) lastId = frame.id;
            if (frame.data.length > 0) {
              let data: unknown = frame.data.join('\n');
              try {
                data = JSON.parse(data as string);
              } catch {
                // plain text data stays a string
              }
              if (onEvent({ id: frame.id, type: frame.type ?? 'message', data })) done = true;
            }
            frame = { data: [] };
            if (done) break;
            continue;
          }
          if (line.startsWith(':')) continue;
          const at = line.indexOf(':');
          const field = at === -1 ? line : line.slice(0, at);
          const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '');
          if (field === 'id') frame.id = value;
          else if (field === 'event') frame.type = value;
          else if (field === 'data') frame.data.push(value);
          else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
        }
        if (done) break;
      }
      if (done) {
        res.body.destroy();
        return;
      }
    } catch (err) {
      if (err instanceof CliError && err.status !== undefined && err.status < 500) throw err;
      failures += 1;
      if (failures > MAX_RECONNECTS)
        throw new CliError(`Lost the stream ${path} and could not reconnect after ${MAX_RECONNECTS} tries.`);
    }
    io.stderr(`mcpctl: stream dropped; reconnecting${lastId !== undefined ? ' from the last event' : ''}\n`);
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError('must be a whole number of 0 or more.');
  return Number(value);
}

export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"ticket":"CHG-1"}\'.');
  }
  if (!isRecord(parsed)) throw new InvalidArgumentError('must be a JSON object, not an array or a value.');
  return parsed;
}

interface RunView {
  id: string;
  workflow_id: string;
  tier: string;
  status: string;
  manifest_digest: string | null;
  artifact_run_id: string | null;
  promotion_id: string | null;
  version: number;
  created_at: string;
  steps: { position: number; name: string; status: string }[];
  audit_log: {
    step_position: number | null;
    from_status: string | null;
    to_status: string;
    actor: string | null;
    note: string | null;
    created_at: string;
  }[];
}

const RUN_COLUMNS: readonly Column<RunView>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'WORKFLOW', value: (r) => r.workflow_id },
  { header: 'TIER', value: (r) => r.tier },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'DIGEST', value: (r) => shortDigest(r.manifest_digest) },
  { header: 'STEPS', value: (r) => r.steps.map((s) => `${s.name}:${s.status}`).join(' → ') },
  { header: 'VERSION', value: (r) => r.version },
  { header: 'STARTED', value: (r) => r.created_at },
];

function printRun(out: Output, r: RunView): void {
  out.record([
    ['id', r.id],
    ['workflow', r.workflow_id],
    ['tier', r.tier],
    ['status', r.status],
    ['manifest digest', r.manifest_digest],
    ['artifact run', r.artifact_run_id],
    ['promotion', r.promotion_id],
    ['version', r.version],
    ['started', r.created_at],
  ]);
  out.table(
    r.steps,
    [
      { header: 'STEP', value: (s) => s.position },
      { header: 'NAME', value: (s) => s.name },
      { header: 'STATUS', value: (s) => s.status },
    ],
    'No steps.',
  );
  if (r.audit_log.length > 0)
    out.table(
      r.audit_log,
      [
        { header: 'AT', value: (a) => a.created_at },
        { header: 'STEP', value: (a) => a.step_position },
        { header: 'FROM', value: (a) => a.from_status },
        { header: 'TO', value: (a) => a.to_status },
        { header: 'ACTOR', value: (a) => a.actor },
        { header: 'NOTE', value: (a) => a.note },
      ],
      'No audit entries.',
    );
}

/** Reads the fields a view shows; anything missing or of the wrong type is an issue, so no half-understood row prints. */
export function fieldsDecoder<T>(
  fields: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'array' | 'string?' | 'number?'>>,
): Decoder<T> {
  return {
    safeParse(value) {
      const issues: { path: PropertyKey[]; message: string }[] = [];
      if (!isRecord(value))
        return { success: false, error: { issues: [{ path: [], message: 'expected an object' }] } };
      for (const [key, kind] of Object.entries(fields)) {
        const v = value[key];
        const optional = kind.endsWith('?');
        const base = optional ? kind.slice(0, -1) : kind;
        if (optional && (v === null || v === undefined)) continue;
        const ok = base === 'array' ? Array.isArray(v) : typeof v === base;
        if (!ok) issues.push({ path: [key], message: `expected ${optional ? `${base} or null` : base}` });
      }
      return issues.length === 0
        ? { success: true, data: value as T }
        : { success: false, error: { issues } };
    },
  };
}

const runDecoder: Decoder<RunView> = (() => {
  const base = fieldsDecoder<RunView>({
    id: 'string',
    workflow_id: 'string',
    tier: 'string',
    status: 'string',
    manifest_digest: 'string?',
    artifact_run_id: 'string?',
    promotion_id: 'string?',
    version: 'number',
    created_at: 'string',
    steps: 'array',
  });
  return {
    safeParse(value) {
      const r = base.safeParse(value);
      if (r.success) return { success: true, data: { ...r.data, audit_log: r.data.audit_log ?? [] } };
      return r;
    },
  };
})();

const workflowDecoder: Decoder<WorkflowView> = {
  safeParse(value) {
    const issues: { path: PropertyKey[]; message: string }[] = [];
    const record = isRecord(value) ? value : {};
    if (!isRecord(value)) issues.push({ path: [], message: 'expected an object' });
    const text = (key: string): string => {
      const v = record[key];
      if (typeof v === 'string') return v;
      issues.push({ path: [key], message: 'expected a string' });
      return '';
    };
    const rawSteps = record.steps;
    if (!Array.isArray(rawSteps)) issues.push({ path: ['steps'], message: 'expected an array' });
    const steps = (Array.isArray(rawSteps) ? (rawSteps as unknown[]) : []).map((s, i) => {
      const step = isRecord(s) ? s : {};
      if (typeof step.name !== 'string')
        issues.push({ path: ['steps', i, 'name'], message: 'expected a string' });
      return {
        name: typeof step.name === 'string' ? step.name : '',
        action: typeof step.action === 'string' ? step.action : null,
      };
    });
    const view: WorkflowView = {
      id: text('id'),
      name: text('name'),
      kind: text('kind'),
      tier: text('tier'),
      steps,
      created_at: text('created_at'),
    };
    return issues.length === 0 ? { success: true, data: view } : { success: false, error: { issues } };
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

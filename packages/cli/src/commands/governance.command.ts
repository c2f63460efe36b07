// `mcpctl governance workflows list|create`: governance workflow definitions and their ordered steps.
import { GOVERNANCE_WORKFLOW_KINDS } from '@mcp-host/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decode, type Decoder } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column } from '../output';
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
  const governance = program.command('governance').description('Governance workflows.');
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
}

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

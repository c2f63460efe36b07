// `mcpctl evaluations list|retry|submit`: evaluation certifications across artifacts, a retry, and submitting a result.
import {
  evaluationCertificationViewSchema,
  evaluationListResponseSchema,
  EVALUATION_STATUSES,
  EFFECTIVE_EVALUATION_STATUSES,
  type EvaluationCertificationView,
} from '@mcp-host/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, withSpinner, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const COLUMNS: readonly Column<EvaluationCertificationView>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'ARTIFACT RUN', value: (c) => c.artifact_run_id },
  { header: 'TIER', value: (c) => c.tier },
  { header: 'REQUIREMENT', value: (c) => c.policy_requirement },
  { header: 'STATUS', value: (c) => c.effective_status },
  { header: 'DIGEST', value: (c) => shortDigest(c.manifest_digest) },
  { header: 'VALID UNTIL', value: (c) => c.valid_until },
  { header: 'VERSION', value: (c) => c.version },
];

function printCertification(out: Output, body: unknown, what: string): void {
  if (out.json) return out.raw(body);
  const c = decode(evaluationCertificationViewSchema, body, what);
  out.record([
    ['id', c.id],
    ['artifact run', c.artifact_run_id],
    ['server', c.server_id],
    ['digest', c.manifest_digest],
    ['tier', c.tier],
    ['requirement', c.policy_requirement],
    ['status', c.effective_status === c.status ? c.status : `${c.effective_status} (was ${c.status})`],
    ['valid from', c.valid_from],
    ['valid until', c.valid_until],
    ['evidence', c.evidence === null ? undefined : JSON.stringify(c.evidence)],
    ['version', c.version],
    ['updated', c.updated_at],
  ]);
}

function isoTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('must be an RFC 3339 timestamp, e.g. 2026-12-31T00:00:00Z.');
  return new Date(ms).toISOString();
}

function readEvidence(io: CliIo, path: string): Record<string, unknown> {
  const text = io.readFile(path);
  if (text === undefined) throw new CliError(`Cannot read the evidence file ${path}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`The evidence file ${path} is not JSON.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`The evidence file ${path} must hold a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

export function registerEvaluationsCommands(program: Command, io: CliIo): void {
  const evaluations = program
    .command('evaluations')
    .description('Evaluation certifications of artifacts: list, retry, submit.');

  evaluations
    .command('list')
    .description('List evaluation certifications across artifacts.')
    .addOption(new Option('--status <status>', 'only this status').choices(EFFECTIVE_EVALUATION_STATUSES))
    .option('--tier <tier>', 'only this tier')
    .option('--requirement <requirement>', 'only this policy requirement')
    .option('--server-id <id>', 'only certifications of this server')
    .option('--artifact-run-id <id>', 'only certifications of this artifact run')
    .addOption(
      new Option('--limit <n>', 'certifications per page (the API caps it at 200)').argParser(positiveInt()),
    )
    .option('--all', 'follow next_cursor and list every certification')
    .action(
      async (
        opts: {
          status?: string;
          tier?: string;
          requirement?: string;
          serverId?: string;
          artifactRunId?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.evaluationsList,
          {
            status: opts.status,
            tier: opts.tier,
            policy_requirement: opts.requirement,
            server_id: opts.serverId,
            artifact_run_id: opts.artifactRunId,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(evaluationListResponseSchema, page, 'GET /api/evaluations');
        out.table(items, COLUMNS, 'No evaluation certifications.');
        if (next_cursor !== null) out.line('More certifications exist: pass --all to list them.');
      },
    );

  evaluations
    .command('retry')
    .description('Reset a certification to pending and request another evaluation.')
    .argument('<evaluation-id>', 'the certification id')
    .addOption(
      new Option('--version <n>', 'the version you last read (stale: refused)').argParser(positiveInt()),
    )
    .action(async (id: string, opts: { version?: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await withSpinner(io, `Retrying evaluation ${id}`, () =>
        client.call(API.evaluationsRetry, {
          params: { id },
          body: opts.version === undefined ? {} : { version: opts.version },
        }),
      );
      printCertification(out, body, 'POST /api/evaluations/:id/retry');
    });

  evaluations
    .command('submit')
    .description('Record an evaluation result for an artifact run (creates or replaces the certification).')
    .argument('<artifact-run>', 'the artifact run id')
    .requiredOption('--tier <tier>', 'the tier the certification is for, e.g. gold')
    .requiredOption('--requirement <requirement>', 'the policy requirement, e.g. security-scan')
    .addOption(
      new Option('--status <status>', 'the result').choices(EVALUATION_STATUSES).makeOptionMandatory(),
    )
    .option('--evidence <file>', 'a JSON file with the evidence object')
    .addOption(
      new Option('--valid-until <time>', 'when the certification stops counting').argParser(isoTimestamp),
    )
    .option('--digest <digest>', 'the manifest digest (default: the run’s digest in the ledger)')
    .addOption(
      new Option('--version <n>', 'the version you last read (stale: refused)').argParser(positiveInt()),
    )
    .action(
      async (
        artifactRun: string,
        opts: {
          tier: string;
          requirement: string;
          status: string;
          evidence?: string;
          validUntil?: string;
          digest?: string;
          version?: number;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body: Record<string, unknown> = {
          tier: opts.tier,
          policy_requirement: opts.requirement,
          status: opts.status,
        };
        if (opts.evidence !== undefined) body.evidence = readEvidence(io, opts.evidence);
        if (opts.validUntil !== undefined) body.valid_until = opts.validUntil;
        if (opts.digest !== undefined) body.manifest_digest = opts.digest;
        if (opts.version !== undefined) body.version = opts.version;
        const saved = await withSpinner(io, `Submitting ${opts.tier}/${opts.requirement}`, () =>
          client.call(API.evaluationsSubmit, { params: { id: artifactRun }, body }),
        );
        printCertification(out, saved, 'POST /api/artifacts/:id/evaluations');
      },
    );
}

// `mcpctl promotions ...`: release-train tracks, scheduling a digest onto a stage, approvals, rejections, rollbacks,
// the blocks they leave, and promotion history.
import { PROMOTION_STATUSES } from '@mcp-host/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, withSpinner, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { fieldsDecoder } from './governance.command';

interface TrackView {
  id: string;
  name: string;
  stages: string[];
  workflow_id: string | null;
  owner: string | null;
  stage_approvals: Record<string, { required: number; role?: string; with_role?: number }>;
  created_at: string;
}

interface PromotionView {
  id: string;
  track_id: string;
  manifest_digest: string;
  stage: string;
  tier: string;
  status: string;
  governance_run_id: string | null;
  run_status: string | null;
  approvals_required: number;
  rollback: boolean;
  reason: string | null;
  scheduled_by: string | null;
  version: number;
  created_at: string;
  approvals?: { approver: string; role: string | null; decision: string; note: string | null }[];
  audit_log?: {
    action: string;
    from_status: string | null;
    to_status: string;
    actor: string | null;
    note: string | null;
    created_at: string;
  }[];
}

interface BlockView {
  id: string;
  track_id: string;
  manifest_digest: string;
  kind: string;
  promotion_id: string | null;
  placed_by: string | null;
  created_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
}

const trackDecoder = fieldsDecoder<TrackView>({
  id: 'string',
  name: 'string',
  stages: 'array',
  workflow_id: 'string?',
  owner: 'string?',
  created_at: 'string',
});

const promotionDecoder = fieldsDecoder<PromotionView>({
  id: 'string',
  track_id: 'string',
  manifest_digest: 'string',
  stage: 'string',
  tier: 'string',
  status: 'string',
  governance_run_id: 'string?',
  run_status: 'string?',
  approvals_required: 'number',
  rollback: 'boolean',
  version: 'number',
  created_at: 'string',
});

const blockDecoder = fieldsDecoder<BlockView>({
  id: 'string',
  track_id: 'string',
  manifest_digest: 'string',
  kind: 'string',
  created_at: 'string',
});

const TRACK_COLUMNS: readonly Column<TrackView>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  {
    header: 'STAGES',
    value: (t) =>
      t.stages
        .map((s) => {
          const a = t.stage_approvals?.[s];
          return a && a.required > 0 ? `${s}(${a.required}${a.role ? ` ${a.role}` : ''})` : s;
        })
        .join(' → '),
  },
  { header: 'WORKFLOW', value: (t) => t.workflow_id },
  { header: 'OWNER', value: (t) => t.owner },
  { header: 'CREATED', value: (t) => t.created_at },
];

const PROMOTION_COLUMNS: readonly Column<PromotionView>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'TRACK', value: (p) => p.track_id },
  { header: 'STAGE', value: (p) => p.stage },
  { header: 'DIGEST', value: (p) => shortDigest(p.manifest_digest) },
  { header: 'STATUS', value: (p) => (p.rollback ? `${p.status} (rollback)` : p.status) },
  {
    header: 'RUN',
    value: (p) => (p.governance_run_id ? `${p.governance_run_id} ${p.run_status ?? 'open'}` : null),
  },
  { header: 'VERSION', value: (p) => p.version },
  { header: 'SCHEDULED', value: (p) => p.created_at },
];

const BLOCK_COLUMNS: readonly Column<BlockView>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'TRACK', value: (b) => b.track_id },
  { header: 'DIGEST', value: (b) => shortDigest(b.manifest_digest) },
  { header: 'KIND', value: (b) => b.kind },
  { header: 'PLACED BY', value: (b) => b.placed_by },
  { header: 'PLACED', value: (b) => b.created_at },
  { header: 'LIFTED', value: (b) => (b.lifted_at ? `${b.lifted_at} by ${b.lifted_by ?? '?'}` : null) },
];

function printPromotion(out: Output, p: PromotionView): void {
  out.table([p], PROMOTION_COLUMNS, 'No promotion.');
  if (p.reason) out.line(`Reason: ${p.reason}`);
  if (p.approvals && p.approvals.length > 0)
    out.table(
      p.approvals,
      [
        { header: 'APPROVER', value: (a) => a.approver },
        { header: 'ROLE', value: (a) => a.role },
        { header: 'DECISION', value: (a) => a.decision },
        { header: 'NOTE', value: (a) => a.note },
      ],
      'No approvals.',
    );
}

/** `STAGE=VALUE`, repeatable, into a record. */
function stageMap(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected STAGE=VALUE.');
  return { ...(previous ?? {}), [value.slice(0, at)]: value.slice(at + 1) };
}

/** `STAGE=N` or `STAGE=N:ROLE` or `STAGE=N:ROLE:M` (N approvers, M of them with ROLE; M defaults to 1). */
export function parseStageApprovals(
  value: string,
  previous: Record<string, { required: number; role?: string; with_role?: number }> | undefined,
): Record<string, { required: number; role?: string; with_role?: number }> {
  const match = /^([^=]+)=(\d+)(?::(viewer|operator|admin)(?::(\d+))?)?$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected STAGE=N, STAGE=N:ROLE or STAGE=N:ROLE:M.');
  const [, stage, required, role, withRole] = match;
  return {
    ...(previous ?? {}),
    [stage]: {
      required: Number(required),
      ...(role ? { role } : {}),
      ...(withRole ? { with_role: Number(withRole) } : {}),
    },
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerPromotionsCommands(program: Command, io: CliIo): void {
  const promotions = program.command('promotions').description('Release-train promotions.');
  const tracks = promotions
    .command('tracks')
    .description('Promotion tracks: ordered stages and their rules.');

  tracks
    .command('list')
    .description('List the tracks you own (all of them for an admin).')
    .addOption(new Option('--limit <n>', 'tracks per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every track')
    .action(async (opts: { limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(
        client,
        API.promotionTracksList,
        { limit: opts.limit },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const items = page.items.map((t, i) => decode(trackDecoder, t, `GET /api/promotions/tracks item ${i}`));
      out.table(items, TRACK_COLUMNS, 'No tracks.');
      if (page.next_cursor !== null) out.line('More tracks exist: pass --all to list them.');
    });

  tracks
    .command('create')
    .description('Create a track with ordered stages (repeat --stage, first to last).')
    .argument('<name>', 'a unique track name')
    .addOption(
      new Option('--stage <name>', 'a stage (repeatable, in order)').argParser(collect).makeOptionMandatory(),
    )
    .option('--workflow-id <id>', 'the governance workflow every promotion runs')
    .addOption(
      new Option('--stage-workflow <stage=id>', 'a workflow for one stage (repeatable)').argParser(stageMap),
    )
    .addOption(
      new Option('--stage-tier <stage=tier>', 'the runtime tier of a stage (repeatable)').argParser(stageMap),
    )
    .addOption(
      new Option('--approvals <stage=n[:role[:m]]>', 'approvers a stage needs (repeatable)').argParser(
        parseStageApprovals,
      ),
    )
    .option('--description <text>', 'what the track is for')
    .action(
      async (
        name: string,
        opts: {
          stage: string[];
          workflowId?: string;
          stageWorkflow?: Record<string, string>;
          stageTier?: Record<string, string>;
          approvals?: Record<string, unknown>;
          description?: string;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          name,
          stages: opts.stage,
          ...(opts.workflowId !== undefined ? { workflow_id: opts.workflowId } : {}),
          ...(opts.stageWorkflow !== undefined ? { stage_workflows: opts.stageWorkflow } : {}),
          ...(opts.stageTier !== undefined ? { stage_tiers: opts.stageTier } : {}),
          ...(opts.approvals !== undefined ? { stage_approvals: opts.approvals } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
        };
        const created = await withSpinner(io, `Creating track ${name}`, () =>
          client.call(API.promotionTracksCreate, { body }),
        );
        if (out.json) return out.raw(created);
        out.table([decode(trackDecoder, created, 'POST /api/promotions/tracks')], TRACK_COLUMNS, 'No track.');
      },
    );

  promotions
    .command('history')
    .description('Promotion records in scheduling order, filtered by track, digest, stage or status.')
    .option('--track-id <id>', 'only this track')
    .option('--manifest <digest>', 'only this manifest digest')
    .option('--stage <stage>', 'only this stage')
    .addOption(new Option('--status <status>', 'only this status').choices(PROMOTION_STATUSES))
    .addOption(new Option('--limit <n>', 'records per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every record')
    .action(
      async (
        opts: {
          trackId?: string;
          manifest?: string;
          stage?: string;
          status?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.promotionsHistory,
          {
            track_id: opts.trackId,
            manifest_digest: opts.manifest,
            stage: opts.stage,
            status: opts.status,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const items = page.items.map((p, i) =>
          decode(promotionDecoder, p, `GET /api/promotions/history item ${i}`),
        );
        out.table(items, PROMOTION_COLUMNS, 'No promotions.');
        if (page.next_cursor !== null) out.line('More promotions exist: pass --all to list them.');
      },
    );

  promotions
    .command('get')
    .description('Show a promotion with its approvals.')
    .argument('<promotion-id>', 'the promotion')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const promotion = await client.call(API.promotionsGet, { params: { id } });
      if (out.json) return out.raw(promotion);
      printPromotion(out, decode(promotionDecoder, promotion, 'GET /api/promotions/:id'));
    });

  promotions
    .command('schedule')
    .description("Schedule a digest onto a track's stage; the track's workflow run starts with it.")
    .argument('<track-id>', 'the track')
    .argument('<manifest>', 'the manifest digest, e.g. sha256:…')
    .argument('<stage>', 'the stage')
    .option('--artifact-run-id <id>', 'the ledger run of the artifact (default: the latest with this digest)')
    .option('--note <text>', 'why')
    .action(
      async (
        trackId: string,
        manifest: string,
        stage: string,
        opts: { artifactRunId?: string; note?: string },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          track_id: trackId,
          manifest_digest: manifest,
          stage,
          ...(opts.artifactRunId !== undefined ? { artifact_run_id: opts.artifactRunId } : {}),
          ...(opts.note !== undefined ? { note: opts.note } : {}),
        };
        const promotion = await withSpinner(io, `Scheduling ${shortDigest(manifest)} onto ${stage}`, () =>
          client.call(API.promotionsSchedule, { body }),
        );
        if (out.json) return out.raw(promotion);
        printPromotion(out, decode(promotionDecoder, promotion, 'POST /api/promotions/schedule'));
      },
    );

  for (const verb of ['approve', 'reject'] as const) {
    promotions
      .command(verb)
      .description(
        verb === 'approve'
          ? 'Approve a promotion checkpoint (you cannot approve your own).'
          : 'Reject a promotion; its digest is blocked on the track until an admin lifts the block.',
      )
      .argument('<promotion-id>', 'the promotion')
      .option('--note <text>', 'why')
      .addOption(
        new Option('--version <n>', 'the version you last read; a stale one is refused').argParser(
          positiveInt(),
        ),
      )
      .action(async (id: string, opts: { note?: string; version?: number }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          ...(opts.note !== undefined ? { note: opts.note } : {}),
          ...(opts.version !== undefined ? { version: opts.version } : {}),
        };
        const route = verb === 'approve' ? API.promotionsApprove : API.promotionsReject;
        const promotion = await withSpinner(
          io,
          `${verb === 'approve' ? 'Approving' : 'Rejecting'} ${id}`,
          () => client.call(route, { params: { id }, body }),
        );
        if (out.json) return out.raw(promotion);
        printPromotion(out, decode(promotionDecoder, promotion, `POST /api/promotions/:id/${verb}`));
      });
  }

  promotions
    .command('rollback')
    .description("Re-activate a stage's last good digest and hold the current one so nothing re-promotes it.")
    .argument('<track-id>', 'the track')
    .argument('<stage>', 'the stage')
    .option('--note <text>', 'why')
    .action(async (trackId: string, stage: string, opts: { note?: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = { track_id: trackId, stage, ...(opts.note !== undefined ? { note: opts.note } : {}) };
      const promotion = await withSpinner(io, `Rolling back ${stage}`, () =>
        client.call(API.promotionsRollback, { body }),
      );
      if (out.json) return out.raw(promotion);
      printPromotion(out, decode(promotionDecoder, promotion, 'POST /api/promotions/rollback'));
    });

  const blocks = promotions
    .command('blocks')
    .description('Digests blocked on tracks by a rejection or a rollback.');

  blocks
    .command('list')
    .description('List blocks still in force (--lifted to include lifted ones).')
    .option('--track-id <id>', 'only this track')
    .option('--manifest <digest>', 'only this manifest digest')
    .option('--lifted', 'include lifted blocks')
    .addOption(new Option('--limit <n>', 'blocks per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every block')
    .action(
      async (
        opts: { trackId?: string; manifest?: string; lifted?: boolean; limit?: number; all?: boolean },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.promotionBlocksList,
          {
            track_id: opts.trackId,
            manifest_digest: opts.manifest,
            active: opts.lifted === true ? 'false' : undefined,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const items = page.items.map((b, i) =>
          decode(blockDecoder, b, `GET /api/promotions/blocks item ${i}`),
        );
        out.table(items, BLOCK_COLUMNS, 'No blocks.');
        if (page.next_cursor !== null) out.line('More blocks exist: pass --all to list them.');
      },
    );

  blocks
    .command('lift')
    .description('Lift a block so the digest may be scheduled on the track again (admins only).')
    .argument('<block-id>', 'the block')
    .option('--note <text>', 'why')
    .action(async (id: string, opts: { note?: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const block = await withSpinner(io, `Lifting block ${id}`, () =>
        client.call(API.promotionBlocksLift, {
          params: { id },
          body: opts.note !== undefined ? { note: opts.note } : {},
        }),
      );
      if (out.json) return out.raw(block);
      out.table(
        [decode(blockDecoder, block, 'POST /api/promotions/blocks/:id/lift')],
        BLOCK_COLUMNS,
        'No block.',
      );
    });
}

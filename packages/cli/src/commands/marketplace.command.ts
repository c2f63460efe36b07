// `mcpctl marketplace list|get`: catalog entries (artifacts and their status, tier, digest, architectures and active
// promotion), and one entry in full with its health, certifications and promotion lineage.
import {
  marketplaceCatalogEntrySchema,
  marketplaceListResponseSchema,
  type MarketplaceCatalogEntry,
  type MarketplaceCertificationRef,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const ENTRY_COLUMNS: readonly Column<MarketplaceCatalogEntry>[] = [
  { header: 'ARTIFACT RUN', value: (e) => e.artifact_run_id },
  { header: 'SERVER', value: (e) => e.server_name },
  { header: 'TYPE', value: (e) => e.server_type },
  { header: 'TIER', value: (e) => e.tier },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'TAG', value: (e) => e.manifest_tag },
  { header: 'DIGEST', value: (e) => shortDigest(e.manifest_digest) },
  { header: 'ARCH', value: (e) => e.architectures.join(', ') },
  {
    header: 'PROMOTION',
    value: (e) =>
      e.active_promotion ? `${e.active_promotion.stage} (${e.active_promotion.status})` : undefined,
  },
  { header: 'UPDATED', value: (e) => e.updated_at },
];

const refs = (list: readonly MarketplaceCertificationRef[]): string | undefined =>
  list.length === 0 ? undefined : list.map((c) => `${c.tier}:${c.policy_requirement}`).join(', ');

export function registerMarketplaceCommands(program: Command, io: CliIo): void {
  const marketplace = program.command('marketplace').description('Browse the catalog of built artifacts.');

  marketplace
    .command('list')
    .description('List marketplace artifacts and their status.')
    .option('--server-type <type>', 'only this server type')
    .option('--status <status>', 'only this build status')
    .option('--tier <tier>', 'only this tier, e.g. gold:Router (case-insensitive)')
    .option('-q, --q <text>', 'search server name, tag, digest and image')
    .addOption(
      new Option('--limit <n>', 'entries per page (the API caps it at 200)').argParser(positiveInt()),
    )
    .option('--all', 'follow next_cursor and list every entry')
    .action(
      async (
        opts: {
          serverType?: string;
          status?: string;
          tier?: string;
          q?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.marketplaceList,
          {
            server_type: opts.serverType,
            status: opts.status,
            tier: opts.tier,
            q: opts.q,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(marketplaceListResponseSchema, page, 'GET /api/marketplace');
        out.table(items, ENTRY_COLUMNS, 'No marketplace entries.');
        if (next_cursor !== null) out.line('More entries exist: pass --all to list them.');
      },
    );

  marketplace
    .command('get')
    .description('Show one catalog entry: platforms, health, certifications and promotion lineage.')
    .argument('<id>', 'the artifact run id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.marketplaceGet, { params: { id } });
      if (out.json) return out.raw(body);
      const e = decode(marketplaceCatalogEntrySchema, body, 'GET /api/marketplace/:id');
      const c = e.certifications;
      out.record([
        ['artifact run', e.artifact_run_id],
        ['server', `${e.server_name} (${e.server_id})`],
        ['type', e.server_type],
        ['tier', e.tier],
        ['status', e.status],
        ['issues', e.health.issues.join(', ')],
        ['source', [e.source_repo, e.source_branch, e.source_revision].filter(Boolean).join(' ')],
        ['image', e.registry_image],
        ['tag', e.manifest_tag],
        ['digest', e.manifest_digest],
        ['credentials', e.credential_health_status],
        ['target tier', c.target_tier],
        ['certified', refs(c.certified)],
        ['pending', refs(c.pending)],
        ['failed', refs(c.failed)],
        ['expired', refs(c.expired)],
        ['missing', refs(c.missing)],
        [
          'active promotion',
          e.active_promotion ? `${e.active_promotion.stage} (${e.active_promotion.status})` : undefined,
        ],
        ['completed', e.completed_at],
      ]);
      out.table(
        e.platforms,
        [
          { header: 'PLATFORM', value: (p) => p.platform },
          { header: 'DIGEST', value: (p) => shortDigest(p.digest) },
          { header: 'CREDENTIALS', value: (p) => p.credential_health_status },
          { header: 'IMAGE', value: (p) => p.remote_image },
        ],
        'No platforms.',
      );
      out.table(
        e.promotion_history,
        [
          { header: 'PROMOTION', value: (p) => p.promotion_id },
          { header: 'STAGE', value: (p) => p.stage },
          { header: 'TIER', value: (p) => p.tier },
          { header: 'STATUS', value: (p) => p.status },
          { header: 'APPROVED BY', value: (p) => p.approved_by },
          { header: 'UPDATED', value: (p) => p.updated_at },
        ],
        'No promotions.',
      );
    });
}

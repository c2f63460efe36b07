// `mcpctl marketplace list`: catalog entries (artifacts and their status, tier and active promotion).
import { marketplaceListResponseSchema, type MarketplaceCatalogEntry } from '@mcp-host/contracts';
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

export function registerMarketplaceCommands(program: Command, io: CliIo): void {
  const marketplace = program.command('marketplace').description('Browse the catalog of built artifacts.');

  marketplace
    .command('list')
    .description('List marketplace artifacts and their status.')
    .option('--server-type <type>', 'only this server type')
    .option('--status <status>', 'only this build status')
    .option('--tier <tier>', 'only this tier (case-insensitive)')
    .option('--q <text>', 'search server name, tag, digest and image')
    .addOption(new Option('--limit <n>', 'entries per page (1-200)').argParser(positiveInt(200)))
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
}

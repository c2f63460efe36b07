// `mcpctl tokens list|create|revoke`: API tokens (admin only); a new token's secret is printed once.
import {
  ROLES,
  createTokenResponseSchema,
  tokenListResponseSchema,
  type CreateTokenBody,
  type Role,
  type Token,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const DAY_MS = 24 * 60 * 60 * 1000;

const TOKEN_COLUMNS: readonly Column<Token>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'OWNER', value: (t) => t.owner },
  { header: 'ROLE', value: (t) => t.role },
  { header: 'PREFIX', value: (t) => t.prefix },
  { header: 'EXPIRES', value: (t) => t.expires_at },
  { header: 'LAST USED', value: (t) => t.last_used_at },
  { header: 'REVOKED', value: (t) => t.revoked_at },
];

export function registerTokensCommands(program: Command, io: CliIo): void {
  const tokens = program.command('tokens').description('Manage API tokens (needs the admin role).');

  tokens
    .command('list')
    .description('List API tokens, newest first.')
    .addOption(new Option('--limit <n>', 'tokens per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every token')
    .action(async (opts: { limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(client, API.tokensList, { limit: opts.limit }, opts.all === true);
      if (out.json) return out.raw(page);
      const { items, next_cursor } = decode(tokenListResponseSchema, page, 'GET /api/tokens');
      out.table(items, TOKEN_COLUMNS, 'No tokens.');
      if (next_cursor !== null) out.line('More tokens exist: pass --all to list them.');
    });

  tokens
    .command('create')
    .description('Create a token with a role; its secret is shown once and never again.')
    .argument('<name>', 'a label for the token')
    .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory())
    .addOption(new Option('--expires-in <days>', 'expire after this many days').argParser(positiveInt()))
    .option('--owner <subject>', 'the subject the token acts as (default: yours)')
    .action(async (name: string, opts: { role: Role; expiresIn?: number; owner?: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body: CreateTokenBody = {
        name,
        role: opts.role,
        ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
        ...(opts.expiresIn !== undefined
          ? { expires_at: new Date(Date.now() + opts.expiresIn * DAY_MS).toISOString() }
          : {}),
      };
      const created = await withSpinner(io, `Creating token ${name}`, () =>
        client.call(API.tokensCreate, { body }),
      );
      if (out.json) return out.raw(created);
      const token = decode(createTokenResponseSchema, created, 'POST /api/tokens');
      out.table([token], TOKEN_COLUMNS, 'No token.');
      out.line('');
      out.line('The token, shown this once (send it as Authorization: Bearer <token>):');
      out.line(token.token);
    });

  tokens
    .command('revoke')
    .description('Revoke a token; requests bearing it are refused from then on.')
    .argument('<id>', 'the token id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      await withSpinner(io, `Revoking token ${id}`, () => client.call(API.tokensRevoke, { params: { id } }));
      if (out.json) return out.raw({ id, revoked: true });
      out.line(`Revoked token ${id}.`);
    });
}

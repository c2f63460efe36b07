// `mcpctl grants list|get|create|delete`: which principals may call which tools of an MCP server through the
// gateway's /mcp/:server door.
import { grantListResponseSchema, grantSchema, type Grant } from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const GRANT_COLUMNS: readonly Column<Grant>[] = [
  { header: 'ID', value: (g) => g.id },
  { header: 'SERVER', value: (g) => g.server_id },
  { header: 'SUBJECT', value: (g) => g.subject },
  { header: 'ALLOW', value: (g) => g.allow_tools.join(',') || null },
  { header: 'DENY', value: (g) => g.deny_tools.join(',') || null },
  { header: 'VERSION', value: (g) => String(g.version) },
  { header: 'CREATED', value: (g) => g.created_at },
];

/** `a,b , c` → ['a', 'b', 'c']. */
function toolList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  ];
}

export function registerGrantsCommands(program: Command, io: CliIo): void {
  const grants = program
    .command('grants')
    .description('Manage MCP tool grants: who may call which tools of a server through /mcp/:server.');

  grants
    .command('list')
    .description('List grants, oldest first.')
    .option('--server <id>', 'only grants on this server')
    .option('--subject <subject>', 'only grants to this subject (token:<id>, subject:<sub>, role:<role>)')
    .addOption(new Option('--limit <n>', 'grants per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every grant')
    .action(
      async (opts: { server?: string; subject?: string; limit?: number; all?: boolean }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.grantsList,
          { server_id: opts.server, subject: opts.subject, limit: opts.limit },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(grantListResponseSchema, page, 'GET /api/grants');
        out.table(items, GRANT_COLUMNS, 'No grants.');
        if (next_cursor !== null) out.line('More grants exist: pass --all to list them.');
      },
    );

  grants
    .command('get')
    .description('Show one grant.')
    .argument('<id>', 'the grant id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const grant = await client.call(API.grantsGet, { params: { id } });
      if (out.json) return out.raw(grant);
      out.table([decode(grantSchema, grant, 'GET /api/grants/:id')], GRANT_COLUMNS, 'No grant.');
    });

  grants
    .command('create')
    .description('Grant a subject tools of a server (deny rules win over allow rules; `*` is every tool).')
    .requiredOption('--server <id>', 'the MCP server id')
    .requiredOption(
      '--subject <subject>',
      'token:<token id>, subject:<token owner or OIDC subject>, or role:<role>',
    )
    .option('--allow <tools>', 'tools to allow, comma-separated (repeatable)', toolList)
    .option('--deny <tools>', 'tools to deny, comma-separated (repeatable)', toolList)
    .action(
      async (opts: { server: string; subject: string; allow?: string[]; deny?: string[] }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          server_id: opts.server,
          subject: opts.subject,
          allow_tools: opts.allow ?? [],
          deny_tools: opts.deny ?? [],
        };
        const created = await withSpinner(io, `Granting ${opts.subject}`, () =>
          client.call(API.grantsCreate, { body }),
        );
        if (out.json) return out.raw(created);
        out.table([decode(grantSchema, created, 'POST /api/grants')], GRANT_COLUMNS, 'No grant.');
      },
    );

  grants
    .command('delete')
    .description('Delete a grant at its current version.')
    .argument('<id>', 'the grant id')
    .addOption(
      new Option('--version <n>', 'the version you read').argParser(positiveInt()).makeOptionMandatory(),
    )
    .action(async (id: string, opts: { version: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      await withSpinner(io, `Deleting grant ${id}`, () =>
        client.call(API.grantsDelete, { params: { id }, query: { version: opts.version } }),
      );
      if (out.json) return out.raw({ id, deleted: true });
      out.line(`Deleted grant ${id}.`);
    });
}

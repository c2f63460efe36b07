// `mcpctl servers list|get|register|update|delete`: the server registry, with optimistic locking on update and delete.
import {
  serverListResponseSchema,
  serverSchema,
  type CreateServerBody,
  type Server,
  type UpdateServerBody,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const SERVER_COLUMNS: readonly Column<Server>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'NAME', value: (s) => s.name },
  { header: 'TYPE', value: (s) => s.server_type },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'TIER', value: (s) => s.tier },
  { header: 'OWNER', value: (s) => s.owner },
  { header: 'VERSION', value: (s) => s.version },
  { header: 'UPDATED', value: (s) => s.updated_at },
];

function printServer(out: Output, body: unknown, what: string): void {
  if (out.json) return out.raw(body);
  const s = decode(serverSchema, body, what);
  out.record([
    ['id', s.id],
    ['name', s.name],
    ['type', s.server_type],
    ['status', s.status],
    ['repository', s.source_repository],
    ['branch', s.source_branch],
    ['dockerfile', s.dockerfile_path],
    ['tier', s.tier],
    ['owner', s.owner],
    ['version', s.version],
    ['created', s.created_at],
    ['updated', s.updated_at],
  ]);
}

interface FieldOptions {
  name?: string;
  type?: string;
  repo?: string;
  branch?: string;
  dockerfile?: string;
  tier?: string;
  owner?: string;
}

export function registerServersCommands(program: Command, io: CliIo): void {
  const servers = program.command('servers').description('Register, inspect, update and delete MCP servers.');

  servers
    .command('list')
    .description('List servers, newest first.')
    .option('--q <text>', 'search the name and type')
    .option('--status <status>', 'only servers in this status')
    .addOption(new Option('--limit <n>', 'servers per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every server')
    .action(async (opts: { q?: string; status?: string; limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(
        client,
        API.serversList,
        { q: opts.q, status: opts.status, limit: opts.limit },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const { items, next_cursor } = decode(serverListResponseSchema, page, 'GET /api/servers');
      out.table(items, SERVER_COLUMNS, 'No servers.');
      if (next_cursor !== null) out.line('More servers exist: pass --all to list them.');
    });

  servers
    .command('get')
    .description('Show one server.')
    .argument('<id>', 'the server id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      printServer(out, await client.call(API.serversGet, { params: { id } }), 'GET /api/servers/:id');
    });

  servers
    .command('register')
    .description('Register a server to build and run.')
    .argument('<name>', 'a unique name: letters, digits, ".", "_" and "-"')
    .requiredOption('--type <type>', 'the server type, e.g. Router')
    .option('--repo <url>', 'the source repository to build from')
    .option('--branch <branch>', 'the branch to build (default: main)')
    .option('--dockerfile <path>', 'the Dockerfile in the repository (default: Dockerfile)')
    .option('--tier <tier>', 'the runtime tier')
    .option('--owner <owner>', 'the owning team or user')
    .action(async (name: string, opts: FieldOptions & { type: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body: Partial<CreateServerBody> & Pick<CreateServerBody, 'name' | 'server_type'> = {
        name,
        server_type: opts.type,
        ...defined({
          source_repository: opts.repo,
          source_branch: opts.branch,
          dockerfile_path: opts.dockerfile,
          tier: opts.tier,
          owner: opts.owner,
        }),
      };
      const created = await withSpinner(io, `Registering server ${name}`, () =>
        client.call(API.serversRegister, { body }),
      );
      printServer(out, created, 'POST /api/servers');
    });

  servers
    .command('update')
    .description('Change fields of a server; --version must be the one you last read.')
    .argument('<id>', 'the server id')
    .addOption(
      new Option('--version <version>', 'the version you last read (a stale one is refused)')
        .argParser(positiveInt())
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'a new name')
    .option('--type <type>', 'a new server type')
    .option('--repo <url>', 'a new source repository')
    .option('--branch <branch>', 'a new branch')
    .option('--dockerfile <path>', 'a new Dockerfile path')
    .option('--tier <tier>', 'a new runtime tier')
    .option('--owner <owner>', 'a new owner')
    .action(async (id: string, opts: FieldOptions & { version: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const fields = defined({
        name: opts.name,
        server_type: opts.type,
        source_repository: opts.repo,
        source_branch: opts.branch,
        dockerfile_path: opts.dockerfile,
        tier: opts.tier,
        owner: opts.owner,
      });
      if (Object.keys(fields).length === 0) {
        throw new CliError(
          'Nothing to update: pass at least one of --name, --type, --repo, --branch, --dockerfile, --tier, --owner.',
        );
      }
      const body: UpdateServerBody = { ...fields, version: opts.version };
      const updated = await withSpinner(io, `Updating server ${id}`, () =>
        client.call(API.serversUpdate, { params: { id }, body }),
      );
      printServer(out, updated, 'PATCH /api/servers/:id');
    });

  servers
    .command('delete')
    .description('Delete a server and stop it.')
    .argument('<id>', 'the server id')
    .addOption(
      new Option('--version <version>', 'refuse if the server changed since this version').argParser(
        positiveInt(),
      ),
    )
    .action(async (id: string, opts: { version?: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      await withSpinner(io, `Deleting server ${id}`, () =>
        client.call(API.serversDelete, { params: { id }, query: { version: opts.version } }),
      );
      if (out.json) return out.raw({ id, deleted: true });
      out.line(`Deleted server ${id}.`);
    });
}

/** Drops the flags the user did not pass, so the API applies its own defaults and leaves other fields alone. */
function defined<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  const result: { [K in keyof T]?: string } = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

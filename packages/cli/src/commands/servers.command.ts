// `mcpctl servers list|get|register|update|delete|start|stop|logs|tools|discover`: the server registry, with optimistic
// locking on update and delete, its runtime, and its MCP tools.
import {
  serverListResponseSchema,
  serverLogsResponseSchema,
  serverSchema,
  startServerResponseSchema,
  stopServerResponseSchema,
  type CreateServerBody,
  type Server,
  type StartServerBody,
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
import { resolveConnection, type GlobalOptions } from '../connection';
import { followSse } from './governance.command';
import { outcomeOf } from './policy.command';
import { registerServerToolsCommands } from './server-tools.command';

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

  registerServerRuntimeCommands(servers, io);
}

/** `start`, `stop` and `logs`: running a server through the policy engine and its orchestrator. */
export function registerServerRuntimeCommands(servers: Command, io: CliIo): void {
  servers
    .command('start')
    .description(
      'Ask the policy engine to launch a server; a gate may hold it (pending-evaluation/-governance).',
    )
    .argument('<id>', 'the server id')
    .option('--tier <tier>', "the runtime tier (default: the server's, else the configured default)")
    .option('--backend <backend>', 'preferred backend: docker or kubernetes (the decision may override it)')
    .option('--capability <capability...>', 'capabilities the workload needs, e.g. gpu')
    .action(
      async (id: string, opts: { tier?: string; backend?: string; capability?: string[] }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const body: Partial<StartServerBody> = {
          ...defined({ tier: opts.tier, backend: opts.backend }),
          ...(opts.capability ? { capabilities: opts.capability } : {}),
        };
        const answer = await withSpinner(io, `Starting server ${id}`, () =>
          client.call(API.serversStart, { params: { id }, body }),
        );
        if (out.json) return out.raw(answer);
        const {
          launch_id,
          status,
          decision: d,
        } = decode(startServerResponseSchema, answer, 'POST /api/servers/:id/start');
        out.record([
          ['launch', launch_id],
          ['status', status],
          ['outcome', outcomeOf(d)],
          ['decision', d.id],
          ['tier', d.tier],
          [
            'backend',
            d.backend === d.candidate_backend ? d.backend : `${d.backend} (asked ${d.candidate_backend})`,
          ],
          ['executor', d.executor_name],
          ['image', d.image],
          ['requires build', d.requires_build],
          ['notes', d.policy_notes.join('\n')],
        ]);
      },
    );

  servers
    .command('stop')
    .description('Stop a server (stopping a stopped server changes nothing).')
    .argument('<id>', 'the server id')
    .option('--reason <text>', 'why, for the audit trail')
    .action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const answer = await withSpinner(io, `Stopping server ${id}`, () =>
        client.call(API.serversStop, { params: { id }, body: defined({ reason: opts.reason }) }),
      );
      if (out.json) return out.raw(answer);
      const r = decode(stopServerResponseSchema, answer, 'POST /api/servers/:id/stop');
      out.line(r.stopped ? `Stopped server ${id}.` : `Server ${id} was not running (status ${r.status}).`);
    });

  servers
    .command('logs')
    .description("Show the tail of a running server's log, or follow it with --follow.")
    .argument('<id>', 'the server id')
    .addOption(new Option('--tail <n>', 'lines from the end (default 200)').argParser(positiveInt(10_000)))
    .option('--follow', 'keep streaming new lines (Ctrl-C to stop)')
    .action(async (id: string, opts: { tail?: number; follow?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      if (!opts.follow) {
        const answer = await client.call(API.serversLogs, { params: { id }, query: { tail: opts.tail } });
        if (out.json) return out.raw(answer);
        for (const line of decode(serverLogsResponseSchema, answer, 'GET /api/servers/:id/logs').lines)
          out.line(line);
        return;
      }
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const path = `${API.serversLogs.path.replace(':id', encodeURIComponent(id))}?follow=true${opts.tail ? `&tail=${opts.tail}` : ''}`;
      await followSse(io, connection, path, (event) => {
        if (event.type === 'end') return true;
        const line = (event.data as { line?: unknown }).line;
        if (event.type !== 'log' || typeof line !== 'string') return false;
        if (out.json) out.line(JSON.stringify(event.data));
        else out.line(line);
        return false;
      });
    });

  registerServerToolsCommands(servers, io);
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

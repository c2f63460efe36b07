// `mcpctl servers tools ID`: the tool manifest the platform discovered on a running server, with its drift against
// the certified one. `mcpctl servers discover URL`: the same manifest, hashed the same way, read straight from any
// MCP server that speaks Streamable HTTP (to check a server before registering it, or to compare with the platform).
import {
  buildManifest,
  serverToolsResponseSchema,
  type ListedTool,
  type ToolManifest,
  type ToolManifestEntry,
} from '@mcp-host/contracts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { Output, withSpinner, type Column } from '../output';
import type { GlobalOptions } from '../connection';
import { positiveInt } from '../parse-args';

type Row = ToolManifestEntry & { blocked?: boolean };

/** `readOnlyHint, destructiveHint=false` style: the hints a server declared, short. */
function hints(annotations: Record<string, unknown> | null): string | null {
  if (annotations === null) return null;
  const parts = Object.entries(annotations).map(([k, v]) => (v === true ? k : `${k}=${JSON.stringify(v)}`));
  return parts.length > 0 ? parts.join(', ') : null;
}

const TOOL_COLUMNS: readonly Column<Row>[] = [
  { header: 'TOOL', value: (t) => t.name },
  { header: 'DESCRIPTION SHA-256', value: (t) => t.description_sha256.slice(0, 16) },
  { header: 'INPUT SCHEMA SHA-256', value: (t) => t.input_schema_sha256.slice(0, 16) },
  { header: 'ANNOTATIONS', value: (t) => hints(t.annotations) },
];

const MAX_PAGES = 100;

/** Connects, initializes and pages through `tools/list`; closes the session whatever happens. */
export async function discoverTools(
  url: URL,
  timeoutMs: number,
): Promise<{ server: string; manifest: ToolManifest }> {
  const client = new Client({ name: 'mcpctl', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(url);
  try {
    await client.connect(transport, { timeout: timeoutMs });
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
      tools.push(...(res.tools as ListedTool[]));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    const info = client.getServerVersion();
    return { server: info ? `${info.name} ${info.version}` : url.toString(), manifest: buildManifest(tools) };
  } catch (err) {
    throw new CliError(`${url.toString()} did not answer as an MCP server: ${(err as Error).message}`);
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

export function registerServerToolsCommands(servers: Command, io: CliIo): void {
  servers
    .command('tools')
    .description(
      'Show the tools the platform discovered on a running server, and its drift against the certified ones.',
    )
    .argument('<id>', 'the server id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.serversTools, { params: { id } });
      if (out.json) return out.raw(body);
      const m = decode(serverToolsResponseSchema, body, 'GET /api/servers/:id/tools');
      out.record([
        ['server', m.server_id],
        ['endpoint', m.endpoint],
        ['digest', m.digest],
        ['certified digest', m.certified_digest ?? 'none (no conformance certification)'],
        ['drifted', m.drifted ? `yes: ${m.changed.map((c) => `${c.tool} (${c.change})`).join(', ')}` : 'no'],
        ['refreshed', m.refreshed_at],
      ]);
      out.table<Row>(
        m.tools,
        [...TOOL_COLUMNS, { header: 'BLOCKED', value: (t) => (t.blocked === true ? 'yes' : 'no') }],
        'The server lists no tools.',
      );
    });

  servers
    .command('discover')
    .description(
      'Read the tool manifest straight from an MCP server URL (Streamable HTTP), hashed as the platform does.',
    )
    .argument('<url>', 'the server endpoint, e.g. http://127.0.0.1:8080/mcp')
    .addOption(new Option('--timeout <ms>', 'per request').argParser(positiveInt(600_000)).default(10_000))
    .action(async (raw: string, opts: { timeout: number }, cmd: Command) => {
      // No gateway, no token: only the URL given.
      const out = new Output(io, cmd.optsWithGlobals<GlobalOptions>().json === true);
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new CliError(`"${raw}" is not a URL (expected e.g. http://127.0.0.1:8080/mcp).`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new CliError(`"${raw}" must start with http:// or https://.`);
      const found = await withSpinner(io, `Listing the tools of ${url.toString()}`, () =>
        discoverTools(url, opts.timeout),
      );
      if (out.json) return out.raw({ endpoint: url.toString(), server: found.server, ...found.manifest });
      out.record([
        ['endpoint', url.toString()],
        ['server', found.server],
        ['digest', found.manifest.digest],
        ['tools', String(found.manifest.tools.length)],
      ]);
      out.table(found.manifest.tools, TOOL_COLUMNS, 'The server lists no tools.');
    });
}

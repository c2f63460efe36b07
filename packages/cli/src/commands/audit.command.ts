// `mcpctl audit list|watch`: the audit trail of MCP tool calls through the gateway's /mcp/:server door — who called
// which tool of which server, the decision and the rule behind it, how the call ended; arguments only as a hash.
import {
  AUDIT_DECISIONS,
  AUDIT_RESULT_STATUSES,
  auditListResponseSchema,
  mcpToolCalledSchema,
  type AuditEntry,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import type { Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse } from './governance.command';

const AUDIT_COLUMNS: readonly Column<AuditEntry>[] = [
  { header: 'CALLED', value: (e) => e.called_at },
  { header: 'SERVER', value: (e) => e.server_id },
  { header: 'TOOL', value: (e) => e.tool },
  { header: 'SUBJECT', value: (e) => e.subject },
  { header: 'DECISION', value: (e) => e.decision },
  { header: 'RULE', value: (e) => e.rule },
  { header: 'RESULT', value: (e) => e.result_status },
  { header: 'LATENCY MS', value: (e) => e.latency_ms },
  { header: 'SESSION', value: (e) => e.session_id ?? '-' },
  { header: 'ARGS SHA-256', value: (e) => e.arguments_sha256.slice(0, 12) },
];

interface Filters {
  serverId?: string;
  subject?: string;
  tool?: string;
  decision?: string;
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program
    .command('audit')
    .description(
      'Audit trail of MCP tool calls through the gateway: subject, decision, rule, result (needs the operator role).',
    );

  audit
    .command('list')
    .description('List recorded tool calls, newest first.')
    .option('--server-id <id>', 'only calls to this server')
    .option('--subject <subject>', 'only calls by this subject (token owner or OIDC subject)')
    .option('--tool <name>', 'only calls of this tool')
    .addOption(new Option('--decision <decision>', 'only allowed or denied calls').choices(AUDIT_DECISIONS))
    .addOption(
      new Option('--result <status>', 'only calls that ended this way').choices(AUDIT_RESULT_STATUSES),
    )
    .addOption(new Option('--limit <n>', 'calls per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every call')
    .action(async (opts: Filters & { result?: string; limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(
        client,
        API.auditList,
        {
          server_id: opts.serverId,
          subject: opts.subject,
          tool: opts.tool,
          decision: opts.decision,
          result_status: opts.result,
          limit: opts.limit,
        },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const { items, next_cursor } = decode(auditListResponseSchema, page, 'GET /api/audit');
      out.table(items, AUDIT_COLUMNS, 'No tool calls recorded.');
      if (next_cursor !== null) out.line('More tool calls exist: pass --all to list them.');
    });

  audit
    .command('watch')
    .description('Follow tool calls live (resumes after a dropped connection); Ctrl-C to stop.')
    .option('--server-id <id>', 'only calls to this server')
    .option('--subject <subject>', 'only calls by this subject')
    .option('--tool <name>', 'only calls of this tool')
    .addOption(new Option('--decision <decision>', 'only allowed or denied calls').choices(AUDIT_DECISIONS))
    .addOption(new Option('--count <n>', 'stop after this many calls').argParser(positiveInt()))
    .action(async (opts: Filters & { count?: number }, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const query = new URLSearchParams();
      if (opts.serverId) query.set('server_id', opts.serverId);
      if (opts.subject) query.set('subject', opts.subject);
      if (opts.tool) query.set('tool', opts.tool);
      if (opts.decision) query.set('decision', opts.decision);
      const path = `${API.auditStream.path}${query.size ? `?${query.toString()}` : ''}`;
      let seen = 0;
      await followSse(io, connection, path, (event) => {
        const parsed = mcpToolCalledSchema.safeParse(event.data);
        if (!parsed.success) return false;
        const c = parsed.data;
        if (opts.serverId && c.server_id !== opts.serverId) return false;
        if (opts.subject && c.subject !== opts.subject) return false;
        if (opts.tool && c.tool !== opts.tool) return false;
        if (opts.decision && c.decision !== opts.decision) return false;
        if (out.json) out.line(JSON.stringify({ type: event.type, id: event.id, data: event.data }));
        else {
          const status = c.result_status ?? c.result;
          out.line(
            `${c.called_at} ${c.server_id} ${c.tool} ${c.subject} ${c.decision} ${c.rule} ${status} ${c.latency_ms}ms`,
          );
        }
        seen += 1;
        return opts.count !== undefined && seen >= opts.count;
      });
    });
}

// `mcpctl dlq list|redrive`: events consumers dead-lettered, and sending them back to their topic (admin only).
import {
  deadLetterListResponseSchema,
  redriveDeadLettersResponseSchema,
  type DeadLetter,
  type RedriveDeadLettersBody,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const ERROR_WIDTH = 60;

const DEAD_LETTER_COLUMNS: readonly Column<DeadLetter>[] = [
  { header: 'TOPIC', value: (d) => d.topic },
  { header: 'EVENT ID', value: (d) => d.event_id },
  { header: 'TYPE', value: (d) => d.event_type },
  { header: 'REASON', value: (d) => d.reason },
  { header: 'COUNT', value: (d) => d.count },
  { header: 'REDRIVES', value: (d) => d.redrive_count },
  { header: 'FIRST SEEN', value: (d) => d.first_seen_at },
  { header: 'LAST SEEN', value: (d) => d.last_seen_at },
  {
    header: 'ERROR',
    value: (d) => (d.error.length > ERROR_WIDTH ? `${d.error.slice(0, ERROR_WIDTH - 1)}…` : d.error),
  },
];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerDlqCommands(program: Command, io: CliIo): void {
  const dlq = program
    .command('dlq')
    .description('Dead-lettered events: list them and send them back to their topic (needs the admin role).');

  dlq
    .command('list')
    .description('List dead-lettered events, newest first.')
    .option('--topic <topic>', 'only events of this topic (its .dlq name works too)')
    .option('--reason <reason>', 'only this reason, e.g. handler_failed or schema_invalid')
    .option('--type <type>', 'only this event type, e.g. server.deleted')
    .option('--since <timestamp>', 'only events last dead-lettered at or after this ISO 8601 time')
    .option('--until <timestamp>', 'only events last dead-lettered before this ISO 8601 time')
    .addOption(new Option('--limit <n>', 'events per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every event')
    .action(
      async (
        opts: {
          topic?: string;
          reason?: string;
          type?: string;
          since?: string;
          until?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.deadLettersList,
          {
            topic: opts.topic,
            reason: opts.reason,
            type: opts.type,
            since: opts.since,
            until: opts.until,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(
          deadLetterListResponseSchema,
          page,
          'GET /api/admin/dead-letters',
        );
        out.table(items, DEAD_LETTER_COLUMNS, 'No dead letters.');
        if (next_cursor !== null) out.line('More dead letters exist: pass --all to list them.');
      },
    );

  dlq
    .command('redrive')
    .description(
      'Send dead-lettered events back to their topic, unchanged and with a redrive count; consumers apply each at most once.',
    )
    .requiredOption('--topic <topic>', 'the topic the events came from')
    .option('--event-id <id>', 'an event to redrive (repeat for several)', collect)
    .option(
      '--since <timestamp>',
      'with --until: every event last dead-lettered in [since, until) not yet redriven',
    )
    .option('--until <timestamp>', 'the end of the time range (exclusive)')
    .action(
      async (opts: { topic: string; eventId?: string[]; since?: string; until?: string }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const byIds = opts.eventId !== undefined && opts.eventId.length > 0;
        const byRange = opts.since !== undefined || opts.until !== undefined;
        if (byIds === byRange) throw new CliError('Give either --event-id, or --since and --until.');
        if (byRange && (opts.since === undefined || opts.until === undefined)) {
          throw new CliError('A time range needs both --since and --until.');
        }
        const body: RedriveDeadLettersBody = byIds
          ? { topic: opts.topic, event_ids: opts.eventId }
          : { topic: opts.topic, since: opts.since, until: opts.until };
        const answer = await withSpinner(io, `Redriving dead letters of ${opts.topic}`, () =>
          client.call(API.deadLettersRedrive, { body }),
        );
        if (out.json) return out.raw(answer);
        const result = decode(
          redriveDeadLettersResponseSchema,
          answer,
          'POST /api/admin/dead-letters/redrive',
        );
        out.line(`Redrove ${result.count} event${result.count === 1 ? '' : 's'} to ${result.topic}.`);
        for (const id of result.event_ids) out.line(`  ${id}`);
        if (result.not_found.length > 0)
          out.line(`No dead letter on this topic for: ${result.not_found.join(', ')}`);
        if (result.busy.length > 0) {
          out.line(`Being redriven by another call right now (not sent twice): ${result.busy.join(', ')}`);
        }
        if (result.more) out.line('More dead letters match this range: run the command again for the rest.');
      },
    );
}

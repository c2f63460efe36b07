// `mcpctl whoami`: the token the CLI is using, its subject and role.
import { tokenSelfSchema } from '@mcp-host/contracts';
import type { Command } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';

export function registerWhoamiCommand(program: Command, io: CliIo): void {
  program
    .command('whoami')
    .description('Show the calling token: id, name, subject and role.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.tokensMe);
      if (out.json) return out.raw(body);
      const me = decode(tokenSelfSchema, body, 'GET /api/tokens/me');
      out.record([
        ['id', me.id],
        ['name', me.name],
        ['subject', me.subject],
        ['role', me.role],
      ]);
    });
}

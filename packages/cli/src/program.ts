// The `mcpctl` command tree (topic, then verb) and the one place that turns failures into stderr lines and exit codes.
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error';
import { registerBuildsCommands } from './commands/builds.command';
import { registerDlqCommands } from './commands/dlq.command';
import { registerEvaluationsCommands } from './commands/evaluations.command';
import { registerGovernanceCommands } from './commands/governance.command';
import { registerMarketplaceCommands } from './commands/marketplace.command';
import { registerPolicyCommands } from './commands/policy.command';
import { registerTrustCommands } from './commands/trust.command';
import { registerRemediationCommands } from './commands/remediation.command';
import { registerKeysCommands } from './commands/keys.command';
import { registerScaffoldCommands } from './commands/scaffold.command';
import { registerPromotionsCommands } from './commands/promotions.command';
import { registerServersCommands } from './commands/servers.command';
import { registerStatusCommand } from './commands/status.command';
import { registerTokensCommands } from './commands/tokens.command';
import { registerGrantsCommands } from './commands/grants.command';
import { registerAccessCommands } from './commands/access.command';
import { registerWhoamiCommand } from './commands/whoami.command';
import { registerAuditCommands } from './commands/audit.command';
import { registerLifecycleCommands } from './commands/lifecycle.command';
import { DEFAULT_URL } from './connection';
import { defaultIo, type CliIo } from './io';

export function buildProgram(io: CliIo = defaultIo()): Command {
  const program = new Command('mcpctl')
    .description('Operate MCP Host from the terminal: servers, tokens, the marketplace and governance.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Commander's own errors (unknown option, missing argument) become one line, like the API's.
      outputError: (text, write) => write(`mcpctl: ${text.trim().replace(/^error: /, '')}\n`),
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    // Global options are read anywhere on the line, so `mcpctl servers list --json` works.
    .option('--url <url>', `the gateway URL (default: MCP_HOST_URL, else ${DEFAULT_URL})`)
    .option(
      '--token <token>',
      'the bearer token (default: MCP_HOST_TOKEN, else the admin token file ./.mcp-host/admin-token)',
    )
    .option('--token-file <path>', 'read the bearer token from this file')
    .option('--json', 'print the raw JSON answer instead of a table');

  registerStatusCommand(program, io);
  registerWhoamiCommand(program, io);
  registerTokensCommands(program, io);
  registerServersCommands(program, io);
  registerBuildsCommands(program, io);
  registerMarketplaceCommands(program, io);
  registerEvaluationsCommands(program, io);
  registerGovernanceCommands(program, io);
  registerPromotionsCommands(program, io);
  registerDlqCommands(program, io);
  registerGrantsCommands(program, io);
  registerAccessCommands(program, io);
  registerPolicyCommands(program, io);
  registerTrustCommands(program, io);
  registerRemediationCommands(program, io);
  registerKeysCommands(program, io);
  registerScaffoldCommands(program, io);
  registerAuditCommands(program, io);
  registerLifecycleCommands(program, io);
  return program;
}

/** Parses `argv` (the words after `mcpctl`), runs the command and reports the exit code through `io.exit`. */
export async function run(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const code = await execute(argv, io);
  io.exit(code);
  return code;
}

async function execute(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its message (or the help) by the time it throws.
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      io.stderr(`mcpctl: ${err.message}${err.code !== undefined ? ` (${err.code})` : ''}\n`);
      return 1;
    }
    io.stderr(
      `mcpctl: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}

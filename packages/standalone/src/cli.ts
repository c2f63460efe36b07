// The `mcp-host` command line: `start` runs the platform in one process, `migrate` brings every schema up to date.
import { Command, InvalidArgumentError, Option } from 'commander';
import { oneLine, processEnvWithDotenv, type Env } from '@mcp-host/platform';
import type { ServiceName } from '@mcp-host/contracts';
import { startHost, type Host } from './host';
import { migrateAll } from './migrate';
import { HOSTED_SERVICES, hostedService } from './services';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  exit: (code: number) => void;
  env: Env;
  onSignal: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => void;
}

const defaultIo = (): CliIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
  env: processEnvWithDotenv(),
  onSignal: (signal, handler) => process.on(signal, handler),
});

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535.');
  }
  return n;
}

function parseTargets(value: string): ServiceName[] {
  const names = [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) throw new InvalidArgumentError('name at least one service.');
  for (const name of names) {
    if (!hostedService(name)) {
      throw new InvalidArgumentError(
        `unknown service "${name}" (known: ${HOSTED_SERVICES.map((s) => s.name).join(', ')}).`,
      );
    }
  }
  return names as ServiceName[];
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

export function buildProgram(io: CliIo = defaultIo()): Command {
  const program = new Command('mcp-host')
    .description('Runs MCP Host in one process: every service, on embedded Postgres and embedded Kafka.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      // Commander's own errors become one line: `mcp-host: unknown option '--nope'`.
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) =>
        write(
          `mcp-host: ${
            s
              .trim()
              .replace(/^error: /, '')
              .split('\n')[0]
          }\n`,
        ),
    })
    .showSuggestionAfterError(true);

  const dataDirOption = () =>
    new Option('--data-dir <dir>', 'where Postgres, Kafka, the admin token and state live').default(
      io.env.MCP_HOST_DATA_DIR ?? './.mcp-host',
      'MCP_HOST_DATA_DIR or ./.mcp-host',
    );

  program
    .command('start')
    .description('Start Postgres, Kafka and the services, with the gateway on --host:--port.')
    .addOption(dataDirOption())
    .addOption(
      new Option('--port <port>', 'gateway port (0 picks a free one)').argParser(parsePort).default(3000),
    )
    .addOption(new Option('--host <address>', 'gateway bind address').default('127.0.0.1'))
    .addOption(
      new Option(
        '--target <services>',
        'comma-separated services to run against the external DATABASE_URL and KAFKA_BROKERS',
      ).argParser(parseTargets),
    )
    .action(
      async (opts: { dataDir: string; port: number; host: string; target?: ServiceName[] }, cmd: Command) => {
        await start(io, { ...opts, portExplicit: cmd.getOptionValueSource('port') === 'cli' });
      },
    );

  program
    .command('migrate')
    .description("Run every service's migrations against DATABASE_URL, or the data dir's embedded Postgres.")
    .addOption(dataDirOption())
    .action(async (opts: { dataDir: string }) => {
      const started = Date.now();
      const result = await migrateAll({ dataDir: opts.dataDir, env: io.env });
      for (const { service, migrations } of result.applied) {
        io.out(
          `${service.padEnd(14)} ${migrations.length === 0 ? 'up to date' : `applied ${migrations.join(', ')}`}`,
        );
      }
      io.out(`migrations done on the ${result.database} database in ${seconds(Date.now() - started)}`);
      io.exit(0);
    });

  return program;
}

async function start(
  io: CliIo,
  opts: { dataDir: string; port: number; host: string; target?: ServiceName[]; portExplicit: boolean },
): Promise<void> {
  let host: Host | undefined;
  let stopping = false;
  let stopRequested = false;

  const shutdown = (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) io.err(`mcp-host: ${why}`);
    io.out('mcp-host: stopping...');
    const guard = setTimeout(() => {
      io.err('mcp-host: shutdown did not finish within 30 s');
      io.exit(1);
    }, 30_000);
    guard.unref();
    (host?.stop() ?? Promise.resolve()).then(
      () => {
        clearTimeout(guard);
        io.out('mcp-host: stopped');
        io.exit(code);
      },
      (err: unknown) => {
        clearTimeout(guard);
        io.err(`mcp-host: ${oneLine(err)}`);
        io.exit(1);
      },
    );
  };
  const onSignal = () => {
    if (!host) {
      // Still starting: stop as soon as everything that is starting can be stopped.
      stopRequested = true;
      return;
    }
    shutdown(0);
  };
  io.onSignal('SIGINT', onSignal);
  io.onSignal('SIGTERM', onSignal);

  try {
    host = await startHost({
      dataDir: opts.dataDir,
      port: opts.port,
      portExplicit: opts.portExplicit,
      host: opts.host,
      targets: opts.target,
      env: io.env,
      say: (line) => io.out(`  ${line}`),
      onFatal: (reason) => shutdown(1, reason),
    });
  } catch (err) {
    io.err(`mcp-host: ${oneLine(err)}`);
    io.exit(1);
    return;
  }
  if (stopRequested) {
    shutdown(0);
    return;
  }
  for (const s of host.services) if (s.name !== 'gateway') io.out(`  ${s.name.padEnd(14)}${s.url}`);
  io.out(`mcp-host ready in ${seconds(host.timings.total)}`);
  if (host.gatewayUrl) io.out(`  gateway       ${host.gatewayUrl}`);
  if (host.adminTokenFile)
    io.out(`  admin token   ${host.adminTokenFile} (send it as: Authorization: Bearer <token>)`);
  io.out('Press Ctrl-C to stop.');
}

/** Parses argv and runs the command; usage errors end with one line and exit code 2. */
export async function main(argv: string[] = process.argv, io: CliIo = defaultIo()): Promise<void> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // Help and version already printed; usage errors already printed their one line.
      io.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2);
      return;
    }
    io.err(`mcp-host: ${oneLine(err)}`);
    io.exit(1);
  }
}

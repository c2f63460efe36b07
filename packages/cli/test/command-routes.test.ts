// Every command calls a route the gateway declares, and every leaf command says which one.
import { ROUTES } from '@mcp-host/contracts';
import type { Command } from 'commander';
import { COMMAND_ROUTES, LOCAL_COMMANDS, buildProgram } from '../src';
import { runCli } from './stub-server';

function leafCommands(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return sub.commands.length === 0 ? [path.join(' ')] : leafCommands(sub, path);
  });
}

const program = buildProgram({
  stdout: () => undefined,
  stderr: () => undefined,
  exit: () => undefined,
  env: {},
  request: () => Promise.reject(new Error('no network in this test')),
  stderrIsTTY: false,
  readFile: () => undefined,
  cwd: () => '/',
});

describe('command routes', () => {
  it('when the program is built, then every leaf command has a declared route or is local, and no route is stale', () => {
    const leaves = leafCommands(program).sort();

    expect(leaves).toEqual([...Object.keys(COMMAND_ROUTES), ...LOCAL_COMMANDS].sort());
  });

  it.each(Object.entries(COMMAND_ROUTES))(
    'when `mcpctl %s` runs, then its method and path are in ROUTES',
    (_name, route) => {
      expect(ROUTES.some((r) => r.method === route.method && r.path === route.path)).toBe(true);
    },
  );

  it('when a group is called without a verb, then its help goes to stderr with exit 1', async () => {
    const result = await runCli(['servers']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Usage: mcpctl servers');
  });

  it('when --help is asked for, then it lists the global options and exits 0', async () => {
    const result = await runCli(['servers', 'list', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--token-file <path>');
  });
});

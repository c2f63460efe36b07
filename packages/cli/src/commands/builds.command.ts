// `mcpctl builds start|list|get`: build a server's image (from its git source or an uploaded context directory) and
// push it to the registry; `--wait` follows the run until it succeeds or fails.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { buildRunSchema, type BuildRun, type StartBuildBody } from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, withSpinner, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';

const BUILD_COLUMNS: readonly Column<BuildRun>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'STATUS', value: (b) => b.status },
  { header: 'SOURCE', value: (b) => b.source_kind },
  { header: 'PLATFORMS', value: (b) => b.platforms.join(',') },
  { header: 'DIGEST', value: (b) => shortDigest(b.manifest_digest) },
  { header: 'ARTIFACT RUN', value: (b) => b.artifact_run_id },
  { header: 'STARTED', value: (b) => b.started_at },
];

function printBuild(out: Output, body: unknown, what: string): void {
  if (out.json) return out.raw(body);
  const b = decode(buildRunSchema, body, what);
  out.record([
    ['id', b.id],
    ['server', b.server_id],
    ['status', b.status],
    ['source', b.source_kind],
    ['repository', b.source_repository],
    ['revision', b.source_revision],
    ['platforms', b.platforms.join(', ')],
    ['image', b.registry_image],
    ['digest', b.manifest_digest],
    ['artifact run', b.artifact_run_id],
    ['failed stage', b.stage],
    ['error', b.error],
    ['started', b.started_at],
    ['completed', b.completed_at],
  ]);
}

/** A directory as a base64 tar.gz, the form `context_archive` takes (made by the system's tar). */
export function archiveDirectory(dir: string): string {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new CliError(`--context ${dir} is not a directory.`);
  const res = spawnSync(
    'tar',
    ['-czf', '-', '--exclude=./node_modules', '--exclude=./.git', '-C', dir, '.'],
    {
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  if (res.status !== 0) throw new CliError(`tar could not pack ${dir}: ${String(res.stderr).trim()}`);
  return res.stdout.toString('base64');
}

const FINAL = new Set(['succeeded', 'failed']);

export function registerBuildsCommands(program: Command, io: CliIo): void {
  const builds = program.command('builds').description("Build a server's image and push it to the registry.");

  builds
    .command('start')
    .description("Start a build of the server's git source, or of a local directory with --context.")
    .argument('<server-id>', 'the server id')
    .option('--context <dir>', 'build this directory (uploaded as a tar.gz) instead of the git source')
    .option('--repo <url>', 'build this git repository instead of the server’s')
    .option('--branch <branch>', 'the branch to build')
    .option('--revision <rev>', 'a commit or tag on the branch')
    .option('--dockerfile <path>', 'the Dockerfile, relative to the context root')
    .option('--platform <platform...>', 'platforms to build, e.g. linux/amd64')
    .option('--no-cache', 'do not reuse cached layers')
    .option('--wait', 'wait until the build succeeds or fails (exit 1 on failure)')
    .addOption(
      new Option('--timeout <seconds>', 'longest --wait waits (default 600)').argParser(positiveInt()),
    )
    .action(
      async (
        serverId: string,
        opts: {
          context?: string;
          repo?: string;
          branch?: string;
          revision?: string;
          dockerfile?: string;
          platform?: string[];
          cache?: boolean;
          wait?: boolean;
          timeout?: number;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body: Partial<StartBuildBody> = {
          ...(opts.context ? { context_archive: archiveDirectory(opts.context) } : {}),
          ...(opts.repo ? { source_repository: opts.repo } : {}),
          ...(opts.branch ? { source_branch: opts.branch } : {}),
          ...(opts.revision ? { source_revision: opts.revision } : {}),
          ...(opts.dockerfile ? { dockerfile_path: opts.dockerfile } : {}),
          ...(opts.platform ? { platforms: opts.platform } : {}),
          ...(opts.cache === false ? { no_cache: true } : {}),
        };
        let answer = await withSpinner(io, `Starting a build of server ${serverId}`, () =>
          client.call(API.buildsStart, { params: { id: serverId }, body }),
        );
        if (opts.wait) {
          const id = decode(buildRunSchema, answer, 'POST /api/servers/:id/builds').id;
          const deadline = Date.now() + (opts.timeout ?? 600) * 1000;
          answer = await withSpinner(io, `Building ${id}`, async () => {
            for (;;) {
              const run = await client.call(API.buildsGet, { params: { id } });
              if (FINAL.has(decode(buildRunSchema, run, 'GET /api/builds/:id').status)) return run;
              if (Date.now() > deadline) throw new CliError(`Build ${id} did not finish in time.`);
              await new Promise((r) => setTimeout(r, 1000));
            }
          });
        }
        printBuild(out, answer, 'the build');
        if (opts.wait && decode(buildRunSchema, answer, 'the build').status === 'failed') {
          throw new CliError(
            `Build failed: ${decode(buildRunSchema, answer, 'the build').error ?? 'no reason given'}`,
          );
        }
      },
    );

  builds
    .command('list')
    .description("List a server's builds, newest first.")
    .argument('<server-id>', 'the server id')
    .addOption(new Option('--limit <n>', 'builds per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every build')
    .action(async (serverId: string, opts: { limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const page = await fetchPages(
        client,
        { ...API.buildsList, path: API.buildsList.path.replace(':id', encodeURIComponent(serverId)) },
        { limit: opts.limit },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const rows = page.items.map((item, i) => decode(buildRunSchema, item, `build ${i}`));
      out.table(rows, BUILD_COLUMNS, 'No builds.');
      if (page.next_cursor) out.line(`More: --all, or the API's cursor ${page.next_cursor}`);
    });

  builds
    .command('get')
    .description('Show one build run.')
    .argument('<build-id>', 'the build id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      printBuild(out, await client.call(API.buildsGet, { params: { id } }), 'GET /api/builds/:id');
    });
}

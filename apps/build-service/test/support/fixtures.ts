// Build sources for tests: local git repositories and context tarballs, all `FROM scratch` (nothing is pulled).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';

export const SCRATCH_DOCKERFILE =
  'FROM scratch\nARG GREETING=hello\nCOPY payload.txt /payload.txt\nLABEL org.mcp-host.test=true\n';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .toString()
    .trim();
}

export interface TestRepo {
  path: string;
  /** Commits a new payload on `branch` and returns the revision. */
  commit(content: string, branch?: string): string;
}

export function createGitRepo(
  root: string,
  files: Record<string, string> = { Dockerfile: SCRATCH_DOCKERFILE },
): TestRepo {
  const path = mkdtempSync(join(root, 'repo-'));
  git(path, 'init', '--quiet', '-b', 'main');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(path, name, '..'), { recursive: true });
    writeFileSync(join(path, name), content);
  }
  writeFileSync(join(path, 'payload.txt'), 'initial\n');
  git(path, 'add', '-A');
  git(path, 'commit', '--quiet', '-m', 'initial');
  return {
    path,
    commit(content: string, branch = 'main') {
      git(path, 'checkout', '--quiet', '-B', branch);
      writeFileSync(join(path, 'payload.txt'), content);
      git(path, 'add', '-A');
      git(path, 'commit', '--quiet', '-m', content.slice(0, 40));
      return git(path, 'rev-parse', 'HEAD');
    },
  };
}

/** A base64 tar.gz of the given files (and symlinks); entry names are taken as given, even unsafe ones. */
export async function contextArchive(
  root: string,
  files: Record<string, string>,
  symlinks: Record<string, string> = {},
): Promise<string> {
  const dir = mkdtempSync(join(root, 'ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  for (const [name, target] of Object.entries(symlinks)) symlinkSync(target, join(dir, name));
  const chunks: Buffer[] = [];
  const stream = tar.c({ cwd: dir, gzip: true, portable: true }, [
    ...Object.keys(files),
    ...Object.keys(symlinks),
  ]);
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  rmSync(dir, { recursive: true, force: true });
  return Buffer.concat(chunks).toString('base64');
}

/** A raw tar with a hand-written header, for entries `tar.c` refuses to write (e.g. `../escape`). */
export function rawTarWithEntry(name: string, content: string): string {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]).toString('base64');
}

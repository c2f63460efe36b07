// Clones a server's git repository at a branch (and optional revision) into a scratch directory. git runs in its
// own process group (a timeout kills its helpers too), with only the protocols the source policy allows, no
// redirects, credentials only from the configured credential file, and https pinned to the addresses checked.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { killGroup, runInGroup } from '../process/process-group';
import { BuildErrorCode, BuildException } from './build-source.exception';
import type { CheckedSource } from './source-policy';

export interface GitOptions {
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** git-credential-store file with the credentials for private repositories (BUILD_GIT_CREDENTIALS_FILE). */
  credentialsFile?: string;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `-c` settings every git call of a build carries. */
export function gitConfigArgs(source: CheckedSource, credentialsFile?: string): string[] {
  const local = source.kind === 'local';
  const args = [
    'protocol.allow=never',
    'protocol.https.allow=always',
    'protocol.ssh.allow=always',
    `protocol.file.allow=${local ? 'always' : 'never'}`,
    'http.followRedirects=false',
    // Helpers from the system or user config are not consulted: only the configured file is.
    'credential.helper=',
    ...(credentialsFile ? [`credential.helper=store --file=${shellQuote(credentialsFile)}`] : []),
    'core.askPass=',
  ];
  if (source.kind === 'https' && source.addresses && source.addresses.length > 0 && source.host) {
    const addrs = source.addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(',');
    args.push(`http.curloptResolve=${source.host}:${source.port ?? 443}:${addrs}`);
  }
  return args.flatMap((c) => ['-c', c]);
}

function gitEnv(source: CheckedSource): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    LC_ALL: 'C',
    // Takes precedence over protocol.allow: set it, so an inherited value cannot widen it.
    GIT_ALLOW_PROTOCOL: source.kind === 'local' ? 'https:ssh:file' : 'https:ssh',
    GIT_PROTOCOL_FROM_USER: '0',
  };
}

function reasonOf(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Cloning into'));
  return lines.join('\n') || 'git failed without a message';
}

export type DockerfileLookup =
  { state: 'found' } | { state: 'missing' } | { state: 'invalid'; reason: string };

/**
 * Clones the branch into `dir` (a bare repository: nothing is checked out, the build context is streamed from it
 * with `git archive`), then resolves the commit to build and looks the Dockerfile up in its tree (symlinks inside
 * the tree followed), both in one `git cat-file --batch-check`. 422 with git's reason when the URL, branch or
 * revision is bad.
 */
export async function cloneSource(
  source: CheckedSource,
  o: { branch: string; revision?: string; dir: string; dockerfile: string },
  g: GitOptions,
): Promise<{ revision: string; dockerfile: DockerfileLookup }> {
  const config = gitConfigArgs(source, g.credentialsFile);
  const env = gitEnv(source);
  const timeoutMs = g.timeoutSeconds * 1000;
  const clone = await runInGroup(
    'git',
    [
      ...config,
      'clone',
      '--bare',
      '--quiet',
      '--no-tags',
      '--single-branch',
      '--branch',
      o.branch,
      ...(o.revision || source.kind === 'local' ? [] : ['--depth', '1']),
      '--',
      source.url,
      o.dir,
    ],
    { env, timeoutMs, signal: g.signal },
  );
  if (clone.code !== 0 || clone.killed) {
    const reason =
      clone.killed === 'timeout'
        ? `git clone timed out after ${g.timeoutSeconds}s`
        : clone.killed === 'aborted'
          ? 'git clone was stopped'
          : reasonOf(clone.stderr);
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Cannot clone ${source.url} at branch ${o.branch}: ${reason}`,
      { git: reason, repository: source.url, branch: o.branch },
    );
  }
  const wanted = o.revision ? `${o.revision}^{commit}` : 'HEAD^{commit}';
  const path = o.dockerfile.replace(/^\.\//, '');
  const pathOk = !path.split('/').includes('..') && !path.startsWith('/') && !/[\n\r]/.test(path);
  // A revision is one token (a name or a hash): whitespace or a newline would smuggle a second query in.
  const revisionOk = !/\s/.test(wanted);
  const found = revisionOk
    ? await runInGroup(
        'git',
        [...config, 'cat-file', '--batch-check=%(objectname) %(objecttype)', '--follow-symlinks'],
        {
          cwd: o.dir,
          env,
          timeoutMs,
          signal: g.signal,
          input: `${wanted}\n${pathOk ? `${wanted}:${path}` : wanted}\n`,
        },
      )
    : { code: 1, stdout: '', stderr: `not a valid revision: ${o.revision}`, killed: undefined };
  const [commitLine = '', fileLine = ''] = found.stdout.split('\n');
  const commit = /^([0-9a-f]{40,64}) commit$/.exec(commitLine.trim());
  if (found.code !== 0 || found.killed || !commit) {
    const reason =
      found.code !== 0 || found.killed
        ? reasonOf(found.stderr)
        : `git cat-file: ${commitLine.trim() || 'no answer'}`;
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Revision ${o.revision ?? 'HEAD'} is not on branch ${o.branch} of ${source.url}: ${reason}`,
      {
        git: reason,
        repository: source.url,
        branch: o.branch,
        revision: o.revision ?? null,
      },
    );
  }
  return {
    revision: commit[1],
    dockerfile: pathOk ? dockerfileOf(fileLine.trim()) : invalidPath('leaves the context'),
  };
}

function invalidPath(reason: string): DockerfileLookup {
  return { state: 'invalid', reason };
}

/** One `--follow-symlinks` answer: a blob is a regular file; a link out of the tree, a loop or a tree is not. */
function dockerfileOf(line: string): DockerfileLookup {
  if (/^[0-9a-f]{40,64} blob$/.test(line)) return { state: 'found' };
  if (/ missing$/.test(line)) return { state: 'missing' };
  if (line.startsWith('symlink ')) return invalidPath('is a symbolic link leading outside the context');
  if (line.startsWith('dangling ')) return invalidPath('is a symbolic link to nothing');
  if (line.startsWith('loop ')) return invalidPath('is a symbolic link loop');
  if (line.startsWith('notdir ')) return invalidPath('goes through something that is not a directory');
  if (/ (tree|commit)$/.test(line)) return invalidPath('is not a regular file');
  return { state: 'missing' };
}

/**
 * The tree at `revision` as a tar stream (the build context), straight from the object store. A git failure ends
 * the stream with an error the engine call sees (a truncated context); it never goes unhandled. A context past
 * `maxBytes` (BUILD_CONTEXT_MAX_BYTES) ends the same way, naming the cap.
 */
export function archiveStream(dir: string, revision: string, maxBytes = Number.POSITIVE_INFINITY): Readable {
  const child = spawn('git', ['archive', '--format=tar', revision], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.once('error', (err) => out.destroy(err));
  child.stdout.on('error', (err) => out.destroy(err));
  let bytes = 0;
  child.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
    if (bytes > maxBytes) {
      out.destroy(new Error(`the build context is larger than BUILD_CONTEXT_MAX_BYTES (${maxBytes} bytes)`));
    }
  });
  child.stdout.pipe(out, { end: false });
  child.once('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`git archive failed (${code}): ${stderr.trim()}`));
  });
  // Whoever reads the context stops reading on an engine error; the git process must not outlive it.
  out.once('close', () => {
    if (child.exitCode === null) killGroup(child);
  });
  out.on('error', () => undefined);
  return out;
}

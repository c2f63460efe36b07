// Clones a server's git repository at a branch (and optional revision) into a scratch directory.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { BuildErrorCode, BuildException } from './build-source.exception';

function git(
  args: string[],
  cwd: string | undefined,
  timeoutSeconds: number,
  input?: string,
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
    if (input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      stderr += `\ngit ${args[0]} timed out after ${timeoutSeconds}s`;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

function reasonOf(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Cloning into'));
  return lines.join('\n') || 'git failed without a message';
}

/**
 * Clones the branch into `dir` (a bare repository: nothing is checked out, the build context is streamed from it
 * with `git archive`), then resolves the commit to build and looks the Dockerfile up in its tree, both in one
 * `git cat-file --batch-check`. 422 with git's reason when the URL, branch or revision is bad.
 */
export async function cloneSource(
  o: { repository: string; branch: string; revision?: string; dir: string; dockerfile: string },
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<{ revision: string; dockerfileFound: boolean }> {
  const clone = await git(
    [
      'clone',
      '--bare',
      '--quiet',
      '--no-tags',
      '--single-branch',
      '--branch',
      o.branch,
      ...(o.revision || !/^[a-z][a-z0-9+.-]*:\/\//i.test(o.repository) ? [] : ['--depth', '1']),
      '--',
      o.repository,
      o.dir,
    ],
    undefined,
    timeoutSeconds,
    undefined,
    signal,
  );
  if (clone.code !== 0) {
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Cannot clone ${o.repository} at branch ${o.branch}: ${reasonOf(clone.stderr)}`,
      { git: reasonOf(clone.stderr), repository: o.repository, branch: o.branch },
    );
  }
  const wanted = o.revision ? `${o.revision}^{commit}` : 'HEAD^{commit}';
  const path = o.dockerfile.replace(/^\.\//, '');
  const pathOk = !path.split('/').includes('..') && !path.startsWith('/') && !/[\n\r]/.test(path);
  // A revision is one token (a name or a hash): whitespace or a newline would smuggle a second query in.
  const revisionOk = !/\s/.test(wanted);
  const found = revisionOk
    ? await git(
        ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
        o.dir,
        timeoutSeconds,
        `${wanted}\n${pathOk ? `${wanted}:${path}` : wanted}\n`,
        signal,
      )
    : { code: 1, stdout: '', stderr: `not a valid revision: ${o.revision}` };
  const [commitLine = '', fileLine = ''] = found.stdout.split('\n');
  const commit = /^([0-9a-f]{40,64}) commit$/.exec(commitLine.trim());
  if (found.code !== 0 || !commit) {
    const reason =
      found.code !== 0 ? reasonOf(found.stderr) : `git cat-file: ${commitLine.trim() || 'no answer'}`;
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Revision ${o.revision ?? 'HEAD'} is not on branch ${o.branch} of ${o.repository}: ${reason}`,
      {
        git: reason,
        repository: o.repository,
        branch: o.branch,
        revision: o.revision ?? null,
      },
    );
  }
  return { revision: commit[1], dockerfileFound: pathOk && / blob$/.test(fileLine.trim()) };
}

/**
 * The tree at `revision` as a tar stream (the build context), straight from the object store. A git failure ends
 * the stream with an error the engine call sees (a truncated context); it never goes unhandled.
 */
export function archiveStream(dir: string, revision: string): Readable {
  const child = spawn('git', ['archive', '--format=tar', revision], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.once('error', (err) => out.destroy(err));
  child.stdout.on('error', (err) => out.destroy(err));
  child.stdout.pipe(out, { end: false });
  child.once('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`git archive failed (${code}): ${stderr.trim()}`));
  });
  // Whoever reads the context stops reading on an engine error; the git process must not outlive it.
  out.once('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  out.on('error', () => undefined);
  return out;
}

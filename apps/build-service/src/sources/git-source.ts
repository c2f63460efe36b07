// Clones a server's git repository at a branch (and optional revision) into a scratch directory.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { BuildErrorCode, BuildException } from './build-source.exception';

function git(
  args: string[],
  cwd: string | undefined,
  timeoutSeconds: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
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
 * with `git archive`) and returns the commit to build. 422 with git's reason when the URL, branch or revision is bad.
 */
export async function cloneSource(
  o: { repository: string; branch: string; revision?: string; dir: string },
  timeoutSeconds: number,
): Promise<string> {
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
  );
  if (clone.code !== 0) {
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Cannot clone ${o.repository} at branch ${o.branch}: ${reasonOf(clone.stderr)}`,
      { git: reasonOf(clone.stderr), repository: o.repository, branch: o.branch },
    );
  }
  const wanted = o.revision ? `${o.revision}^{commit}` : 'HEAD^{commit}';
  const head = await git(['rev-parse', '--verify', '--end-of-options', wanted], o.dir, timeoutSeconds);
  if (head.code !== 0) {
    throw new BuildException(
      BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
      `Revision ${o.revision ?? 'HEAD'} is not on branch ${o.branch} of ${o.repository}: ${reasonOf(head.stderr)}`,
      {
        git: reasonOf(head.stderr),
        repository: o.repository,
        branch: o.branch,
        revision: o.revision ?? null,
      },
    );
  }
  return head.stdout.trim();
}

/** Whether `path` (relative to the repository root) is a file at `revision`. */
export async function isFileAt(dir: string, revision: string, path: string): Promise<boolean> {
  const clean = path.replace(/^\.\//, '');
  if (clean.split('/').includes('..') || clean.startsWith('/')) return false;
  const res = await git(['cat-file', '-t', `${revision}:${clean}`], dir, 30);
  return res.code === 0 && res.stdout.trim() === 'blob';
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

// Clones a server's git repository at a branch (and optional revision) into a scratch directory.
import { spawn } from 'node:child_process';
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

/** Clones into `dir` (which must not exist) and returns the commit checked out. 422 with git's reason otherwise. */
export async function cloneSource(
  o: { repository: string; branch: string; revision?: string; dir: string },
  timeoutSeconds: number,
): Promise<string> {
  const clone = await git(
    [
      'clone',
      '--quiet',
      '--no-tags',
      '--single-branch',
      '--branch',
      o.branch,
      ...(o.revision ? [] : ['--depth', '1']),
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
  if (o.revision) {
    const checkout = await git(
      ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', `${o.revision}^{commit}`, '--'],
      o.dir,
      timeoutSeconds,
    );
    if (checkout.code !== 0) {
      throw new BuildException(
        BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
        `Revision ${o.revision} is not on branch ${o.branch} of ${o.repository}: ${reasonOf(checkout.stderr)}`,
        { git: reasonOf(checkout.stderr), repository: o.repository, branch: o.branch, revision: o.revision },
      );
    }
  }
  const head = await git(['rev-parse', 'HEAD'], o.dir, timeoutSeconds);
  return head.stdout.trim();
}

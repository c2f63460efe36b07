// Child processes that run in their own process group, so a timeout or an abort kills everything they started
// (git's remote helpers and ssh, a credential script's own children), not just the direct child. A grandchild that
// keeps a pipe open can no longer hold a clone or a push past its deadline.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Sends SIGKILL to the child's whole process group; quiet when it is already gone. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group has no members left.
  }
}

export interface GroupRunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Why it was killed, when it was. */
  killed?: 'timeout' | 'aborted';
}

/**
 * Runs `command` in a new process group and collects its output (stdout whole, stderr's tail). On timeout or abort
 * the group is killed; when the direct child exits, what it left running in its group is killed too.
 */
export function runInGroup(
  command: string,
  args: string[],
  o: {
    timeoutMs: number;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    signal?: AbortSignal;
    maxStdout?: number;
  },
): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const options: SpawnOptions = {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    };
    const child = spawn(command, args, options);
    let stdout = '';
    let stderr = '';
    let killed: GroupRunResult['killed'];
    const maxStdout = o.maxStdout ?? 16 * 1024 * 1024;
    if (o.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(o.input);
    }
    child.stdout?.on('data', (b: Buffer) => {
      if (stdout.length < maxStdout) stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const stop = (why: 'timeout' | 'aborted') => {
      killed ??= why;
      killGroup(child);
    };
    const timer = setTimeout(() => stop('timeout'), o.timeoutMs);
    const onAbort = () => stop('aborted');
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    // The direct child is done: whatever it left behind in its group (holding our pipes open) goes with it.
    child.once('exit', () => killGroup(child));
    const done = (r: GroupRunResult) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.once('error', (err) => done({ code: 127, stdout, stderr: err.message, killed }));
    child.once('close', (code) => done({ code: code ?? 1, stdout, stderr, ...(killed ? { killed } : {}) }));
  });
}

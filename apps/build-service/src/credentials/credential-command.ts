// Runs the configured refresher/rotator: a shell command that rewrites the dockerconfigjson and exits 0. It runs in
// its own process group, so a timeout kills the command and everything it started.
import { runInGroup } from '../process/process-group';

export interface CommandResult {
  ok: boolean;
  error?: string;
}

export async function runCredentialCommand(
  command: string,
  env: Record<string, string>,
  timeoutSeconds: number,
): Promise<CommandResult> {
  const r = await runInGroup('/bin/sh', ['-c', command], {
    env: { ...process.env, ...env },
    timeoutMs: timeoutSeconds * 1000,
    maxStdout: 0,
  });
  if (r.code === 0 && !r.killed) return { ok: true };
  if (r.killed)
    return { ok: false, error: `credential command killed by SIGKILL (timeout ${timeoutSeconds}s)` };
  return {
    ok: false,
    error: `credential command exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`,
  };
}

// Runs the configured refresher/rotator: a shell command that rewrites the dockerconfigjson and exits 0.
import { spawn } from 'node:child_process';

export interface CommandResult {
  ok: boolean;
  error?: string;
}

export function runCredentialCommand(
  command: string,
  env: Record<string, string>,
  timeoutSeconds: number,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, error: err.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true });
      else
        resolve({
          ok: false,
          error: signal
            ? `credential command killed by ${signal} (timeout ${timeoutSeconds}s)`
            : `credential command exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`,
        });
    });
  });
}

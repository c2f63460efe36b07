import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@mcp-host/platform/testing';
import { runCredentialCommand } from '../credentials/credential-command';
import { cloneSource } from '../sources/git-source';
import { runInGroup } from './process-group';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function grandchildOf(pidFile: string): Promise<number> {
  return waitFor(
    () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined),
    {
      timeoutMs: 5000,
      what: 'the grandchild pid',
    },
  );
}

describe('process groups', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgroup-'));

  it('when a command times out while a grandchild holds its pipes, then the whole group is killed on time', async () => {
    const pidFile = join(dir, 'plain.pid');
    const started = Date.now();
    const r = await runInGroup('/bin/sh', ['-c', `sleep 300 & echo $! > ${pidFile}; wait`], {
      timeoutMs: 1000,
    });
    expect(r.killed).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = await grandchildOf(pidFile);
    await waitFor(() => !alive(pid) || undefined, { timeoutMs: 3000, what: 'the grandchild gone' });
  });

  it('when the credential command times out, then its stuck grandchild is killed too', async () => {
    const pidFile = join(dir, 'cred.pid');
    const started = Date.now();
    // The grandchild keeps stdout and stderr open: without a group kill the close event would wait for it.
    const r = await runCredentialCommand(`sleep 300 & echo $! > ${pidFile}; sleep 300`, {}, 1);
    expect(r).toMatchObject({ ok: false });
    expect(r.error).toMatch(/timeout 1s/);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = await grandchildOf(pidFile);
    await waitFor(() => !alive(pid) || undefined, { timeoutMs: 3000, what: 'the grandchild gone' });
  });

  it('when git clone hangs in its ssh helper, then the timeout kills git, ssh and the helper’s child', async () => {
    const pidFile = join(dir, 'ssh.pid');
    const ssh = join(dir, 'fake-ssh.sh');
    writeFileSync(ssh, `#!/bin/sh\nsleep 300 &\necho $! > ${pidFile}\nsleep 300\n`);
    chmodSync(ssh, 0o755);
    const before = process.env.GIT_SSH_COMMAND;
    process.env.GIT_SSH_COMMAND = ssh;
    try {
      const started = Date.now();
      await expect(
        cloneSource(
          { url: 'ssh://git@example.invalid/repo.git', kind: 'ssh', host: 'example.invalid', port: 22 },
          { branch: 'main', dir: join(dir, 'clone'), dockerfile: 'Dockerfile' },
          { timeoutSeconds: 1 },
        ),
      ).rejects.toMatchObject({
        code: 'GIT_SOURCE_UNAVAILABLE',
        message: expect.stringMatching(/timed out after 1s/),
      });
      expect(Date.now() - started).toBeLessThan(5000);
      const pid = await grandchildOf(pidFile);
      await waitFor(() => !alive(pid) || undefined, { timeoutMs: 3000, what: 'the helper’s child gone' });
    } finally {
      if (before === undefined) delete process.env.GIT_SSH_COMMAND;
      else process.env.GIT_SSH_COMMAND = before;
    }
  });
});

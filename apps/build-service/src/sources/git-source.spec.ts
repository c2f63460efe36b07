import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveStream, cloneSource, gitConfigArgs } from './git-source';

async function drain(s: NodeJS.ReadableStream): Promise<number> {
  let n = 0;
  for await (const chunk of s as AsyncIterable<Buffer>) n += chunk.length;
  return n;
}

describe('git sources', () => {
  const root = mkdtempSync(join(tmpdir(), 'git-source-'));
  const repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(repo, 'payload'), Buffer.alloc(256 * 1024, 1));
  symlinkSync('/etc/passwd', join(repo, 'Outside'));
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', repo, 'commit', '-qm', 'x']);
  const local = { url: repo, kind: 'local' as const };

  it('when the context streamed from git passes BUILD_CONTEXT_MAX_BYTES, then the stream fails naming the cap', async () => {
    const dir = join(root, 'capped');
    const { revision } = await cloneSource(
      local,
      { branch: 'main', dir, dockerfile: 'Dockerfile' },
      { timeoutSeconds: 30 },
    );
    await expect(drain(archiveStream(dir, revision, 64 * 1024))).rejects.toThrow(/BUILD_CONTEXT_MAX_BYTES/);
    await expect(drain(archiveStream(dir, revision, 1024 * 1024))).resolves.toBeGreaterThan(256 * 1024);
  });

  it('when the Dockerfile is a link out of the tree, then it is reported invalid, not found', async () => {
    const found = await cloneSource(
      local,
      { branch: 'main', dir: join(root, 'links'), dockerfile: 'Outside' },
      { timeoutSeconds: 30 },
    );
    expect(found.dockerfile).toMatchObject({ state: 'invalid', reason: expect.stringMatching(/outside/) });
  });

  it('when git is configured for a build, then only https and ssh (and file for local sources) are allowed, redirects are off and helpers are reset', () => {
    const remote = gitConfigArgs(
      {
        url: 'https://example.com/r.git',
        kind: 'https',
        host: 'example.com',
        port: 443,
        addresses: ['93.184.216.34'],
      },
      '/run/creds',
    );
    const settings = remote.filter((_a, i) => i % 2 === 1);
    expect(settings).toEqual(
      expect.arrayContaining([
        'protocol.allow=never',
        'protocol.https.allow=always',
        'protocol.ssh.allow=always',
        'protocol.file.allow=never',
        'http.followRedirects=false',
        'credential.helper=',
        "credential.helper=store --file='/run/creds'",
        'http.curloptResolve=example.com:443:93.184.216.34',
      ]),
    );
    expect(gitConfigArgs(local)).toEqual(expect.arrayContaining(['protocol.file.allow=always']));
  });
});

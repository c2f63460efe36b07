import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactRepository } from '@mcp-host/contracts';
import { checkSource, classifySource, isInternalAddress } from './source-policy';

const strict = { allowLocal: false, allowPrivate: false, workDir: join(tmpdir(), 'no-such-work-dir') };

async function ruleOf(raw: string, policy = strict): Promise<string | undefined> {
  try {
    await checkSource(raw, policy);
    return undefined;
  } catch (err) {
    return (err as { details?: { rule?: string } }).details?.rule ?? (err as Error).message;
  }
}

describe('the source policy', () => {
  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'scheme'],
    ['fd::0', 'scheme'],
    ['http://example.com/repo.git', 'scheme'],
    ['git://example.com/repo.git', 'scheme'],
    ['ftp://example.com/repo.git', 'scheme'],
    ['-uhelp', 'malformed'],
    ['user:s3cret@example.com:org/repo.git', 'malformed'],
    ['file:///etc', 'local_source'],
    ['/srv/repos/app', 'local_source'],
    ['./relative/repo', 'local_source'],
    ['https://127.0.0.1/repo.git', 'private_address'],
    ['https://[::1]/repo.git', 'private_address'],
    ['https://[::ffff:127.0.0.1]/repo.git', 'private_address'],
    ['https://169.254.169.254/latest/meta-data', 'private_address'],
    ['https://10.1.2.3/repo.git', 'private_address'],
    ['https://192.168.1.1/repo.git', 'private_address'],
    ['ssh://git@172.16.0.1/repo.git', 'private_address'],
    ['git@127.0.0.1:org/repo.git', 'private_address'],
    ['https://localhost/repo.git', 'private_address'],
  ])('when the source is %s, then it is refused by the %s rule', async (raw, rule) => {
    expect(await ruleOf(raw)).toBe(rule);
  });

  it('when private sources are allowed, then a loopback https source passes and is pinned to its address', async () => {
    const c = await checkSource('https://127.0.0.1:8443/repo.git', { ...strict, allowPrivate: true });
    expect(c).toMatchObject({ kind: 'https', host: '127.0.0.1', port: 8443, addresses: ['127.0.0.1'] });
  });

  it('when local sources are allowed, then a path passes, but never one inside the work dir', async () => {
    const work = mkdtempSync(join(tmpdir(), 'policy-work-'));
    const policy = { ...strict, allowLocal: true, workDir: work };
    await expect(checkSource('/srv/repos/app', policy)).resolves.toMatchObject({ kind: 'local' });
    expect(await ruleOf('file:///srv/%E0%A4%A', policy)).toBe('malformed');
    expect(await ruleOf(join(work, 'other-build', 'context'), policy)).toBe('scratch_dir');
    expect(await ruleOf(`file://${work}/x`, policy)).toBe('scratch_dir');
  });

  it('when the URL carries credentials, then the checked URL and the refusal carry none', async () => {
    expect(redactRepository('https://user:s3cret@example.com/repo.git')).toBe('https://example.com/repo.git');
    expect(redactRepository('https://ghp_token@example.com/repo.git')).toBe('https://example.com/repo.git');
    expect(redactRepository('ssh://git:s3cret@example.com/repo.git')).toBe('ssh://git@example.com/repo.git');
    expect(redactRepository('user:s3cret@example.com:org/repo.git')).toBe('example.com:org/repo.git');
    expect(redactRepository('git@example.com:org/repo.git')).toBe('git@example.com:org/repo.git');
    expect(classifySource('https://user:s3cret@example.com/r.git')).toMatchObject({
      url: 'https://example.com/r.git',
    });
    try {
      await checkSource('https://user:s3cret@127.0.0.1/repo.git', strict);
      throw new Error('not refused');
    } catch (err) {
      expect(
        JSON.stringify({ m: (err as Error).message, d: (err as { details?: unknown }).details }),
      ).not.toContain('s3cret');
    }
  });

  it('when an scp-like source names a public host, then it is classified scp', () => {
    expect(classifySource('git@github.com:acme/app.git')).toMatchObject({ kind: 'scp', host: 'github.com' });
    expect(classifySource('./a:b')).toMatchObject({ kind: 'local' });
  });

  it.each([
    ['127.0.0.1', true],
    ['10.0.0.1', true],
    ['100.64.0.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:7f00:1', true],
    ['93.184.216.34', false],
    ['2606:2800:220:1:248:1893:25c8:1946', false],
  ])('when the address is %s, then internal is %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });
});

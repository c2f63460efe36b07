import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive, unsafeEntryReason } from './archive-source';

describe('unsafeEntryReason', () => {
  it.each([
    [{ path: 'Dockerfile', type: 'File' }],
    [{ path: 'src/a/b.txt', type: 'File' }],
    [{ path: 'src/', type: 'Directory' }],
    [{ path: 'src/link', type: 'SymbolicLink', linkpath: '../Dockerfile' }],
    [{ path: 'hard', type: 'Link', linkpath: 'src/a/b.txt' }],
    [{ path: './x..y', type: 'File' }],
  ])('when the entry is %j, then it is safe', (entry) => {
    expect(unsafeEntryReason(entry)).toBeUndefined();
  });

  it.each([
    [{ path: '../escape', type: 'File' }, /\.\./],
    [{ path: 'a/../../escape', type: 'File' }, /\.\./],
    [{ path: '/etc/passwd', type: 'File' }, /absolute/],
    [{ path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }, /absolute/],
    [{ path: 'a/link', type: 'SymbolicLink', linkpath: '../../etc' }, /outside/],
    [{ path: 'hard', type: 'Link', linkpath: '../outside' }, /outside/],
    [{ path: 'dev', type: 'CharacterDevice' }, /not allowed/],
    [{ path: 'blk', type: 'BlockDevice' }, /not allowed/],
    [{ path: 'pipe', type: 'FIFO' }, /not allowed/],
  ])('when the entry is %j, then it is refused', (entry, reason) => {
    expect(unsafeEntryReason(entry)).toMatch(reason);
  });
});

/** A raw tar entry with the given type flag, mode and owner, for what `tar.c` would never write. */
function entry(
  name: string,
  content: string,
  o: { type?: string; mode?: number; uid?: number } = {},
): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(`${(o.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100);
  header.write(`${(o.uid ?? 0).toString(8).padStart(7, '0')}\0`, 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(o.type ?? '0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body]);
}

const end = Buffer.alloc(1024);
const limits = { maxBytes: 1024 * 1024, maxEntries: 100 };

describe('extractArchive', () => {
  const root = mkdtempSync(join(tmpdir(), 'extract-'));

  it('when entries carry setuid, setgid, sticky or world-writable modes and another owner, then none of it is kept (files belong to the service user)', async () => {
    const dir = join(root, 'modes');
    await extractArchive(
      Buffer.concat([
        entry('suid', '#!/bin/sh\n', { mode: 0o4777, uid: 4321 }),
        entry('sgid', 'x', { mode: 0o2666, uid: 0 }),
        entry('d/', '', { type: '5', mode: 0o1777, uid: 0 }),
        end,
      ]),
      dir,
      limits,
    );
    expect(statSync(join(dir, 'suid')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(dir, 'sgid')).mode & 0o7777).toBe(0o644);
    expect(statSync(join(dir, 'd')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(dir, 'suid')).uid).toBe(process.getuid!());
  });

  it.each([
    ['a FIFO', '6'],
    ['a character device', '3'],
    ['a block device', '4'],
  ])('when the archive holds %s, then it is refused and nothing is extracted', async (_what, type) => {
    const dir = join(root, `special-${type}`);
    await expect(
      extractArchive(
        Buffer.concat([entry('Dockerfile', 'FROM scratch\n'), entry('x', '', { type }), end]),
        dir,
        limits,
      ),
    ).rejects.toMatchObject({ code: 'UNSAFE_ARCHIVE' });
    expect(existsSync(dir)).toBe(false);
  });

  it('when the entries add up past the byte cap or the entry cap, then 413 CONTEXT_TOO_LARGE and nothing is extracted', async () => {
    const big = Buffer.concat([entry('a', 'x'.repeat(600)), entry('b', 'y'.repeat(600)), end]);
    await expect(
      extractArchive(big, join(root, 'big'), { maxBytes: 1000, maxEntries: 10 }),
    ).rejects.toMatchObject({
      code: 'CONTEXT_TOO_LARGE',
      status: 413,
    });
    const many = Buffer.concat([...Array.from({ length: 5 }, (_, i) => entry(`f${i}`, '')), end]);
    await expect(
      extractArchive(many, join(root, 'many'), { maxBytes: 1000, maxEntries: 4 }),
    ).rejects.toMatchObject({
      code: 'CONTEXT_TOO_LARGE',
    });
    expect(existsSync(join(root, 'big'))).toBe(false);
    expect(existsSync(join(root, 'many'))).toBe(false);
  });
});

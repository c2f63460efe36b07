// Extracts an uploaded build-context archive, refusing the whole archive (nothing extracted) when any entry
// would land outside the context: `..` or absolute paths, or links whose target leaves it.
import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { BuildErrorCode, BuildException } from './build-source.exception';

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** Why an entry is unsafe, or undefined when it stays inside the context. */
export function unsafeEntryReason(e: { path: string; type: string; linkpath?: string }): string | undefined {
  if (!ALLOWED_TYPES.has(e.type)) return `${e.path}: entry type ${e.type} is not allowed`;
  const path = e.path.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return `${e.path}: absolute path`;
  if (path.split('/').includes('..')) return `${e.path}: path contains ..`;
  const inside = (p: string) => {
    const n = posix.normalize(p);
    return n !== '..' && !n.startsWith('../') && !posix.isAbsolute(n);
  };
  if (e.type === 'SymbolicLink') {
    const target = (e.linkpath ?? '').replace(/\\/g, '/');
    if (posix.isAbsolute(target)) return `${e.path}: symbolic link to absolute path ${target}`;
    if (!inside(posix.join(posix.dirname(path), target)))
      return `${e.path}: symbolic link leads outside the context (${target})`;
  }
  if (e.type === 'Link') {
    const target = (e.linkpath ?? '').replace(/\\/g, '/');
    if (posix.isAbsolute(target) || !inside(target))
      return `${e.path}: hard link leads outside the context (${target})`;
  }
  return undefined;
}

/** Checks every entry first; extracts into `dir` only when all are safe. */
export async function extractArchive(archive: Buffer, dir: string): Promise<void> {
  const problems: string[] = [];
  let entries = 0;
  try {
    await pipeline(
      Readable.from(archive),
      tar.t({
        onReadEntry: (e) => {
          entries += 1;
          const reason = unsafeEntryReason({ path: e.path, type: e.type, linkpath: e.linkpath });
          if (reason) problems.push(reason);
          e.resume();
        },
        strict: true,
      }),
    );
  } catch (err) {
    throw new BuildException(
      BuildErrorCode.INVALID_ARCHIVE,
      `The build context is not a readable tar archive: ${(err as Error).message}`,
    );
  }
  if (entries === 0)
    throw new BuildException(
      BuildErrorCode.INVALID_ARCHIVE,
      'The build context archive is empty or not a tar archive.',
    );
  if (problems.length > 0) {
    throw new BuildException(
      BuildErrorCode.UNSAFE_ARCHIVE,
      `The build context archive has entries outside the context: ${problems.slice(0, 5).join('; ')}`,
      {
        entries: problems,
      },
    );
  }
  await mkdir(dir, { recursive: true });
  await pipeline(
    Readable.from(archive),
    tar.x({ cwd: dir, strict: true, preservePaths: false, noChmod: false }),
  );
}

// Extracts an uploaded build-context archive, refusing the whole archive (nothing extracted) when any entry
// would land outside the context (`..` or absolute paths, links whose target leaves it), is a device, FIFO or other
// special file, or when the context is past its size or entry cap.
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

export interface ArchiveLimits {
  /** Largest sum of the entries' sizes (the decompressed context). */
  maxBytes: number;
  /** Most entries. */
  maxEntries: number;
}

function tooLarge(what: string, limits: ArchiveLimits): BuildException {
  return new BuildException(
    BuildErrorCode.CONTEXT_TOO_LARGE,
    `The build context is too large: ${what} (limits: ${limits.maxBytes} bytes decompressed, BUILD_CONTEXT_MAX_BYTES; ${limits.maxEntries} entries, BUILD_CONTEXT_MAX_ENTRIES).`,
    { max_bytes: limits.maxBytes, max_entries: limits.maxEntries },
  );
}

/** Files are written 0644 (0755 when the archive marks them executable), directories 0755: no setuid, setgid or sticky bits, nothing world-writable. */
function safeMode(type: string, mode: number | undefined): number {
  if (type === 'Directory') return 0o755;
  return (mode ?? 0) & 0o111 ? 0o755 : 0o644;
}

/**
 * Checks every entry first (type, path, links, the size and entry caps); extracts into `dir` only when all pass.
 * Extraction never takes owners or modes from the archive: files belong to the service's user, with `safeMode`.
 */
export async function extractArchive(archive: Buffer, dir: string, limits: ArchiveLimits): Promise<void> {
  const problems: string[] = [];
  let entries = 0;
  let bytes = 0;
  let over: BuildException | undefined;
  const listing = new AbortController();
  try {
    await pipeline(
      Readable.from(archive),
      tar.t({
        onReadEntry: (e) => {
          entries += 1;
          bytes += e.size ?? 0;
          if (!over && entries > limits.maxEntries)
            over = tooLarge(`more than ${limits.maxEntries} entries`, limits);
          if (!over && bytes > limits.maxBytes) over = tooLarge(`more than ${limits.maxBytes} bytes`, limits);
          if (over) listing.abort();
          const reason = unsafeEntryReason({ path: e.path, type: e.type, linkpath: e.linkpath });
          if (reason) problems.push(reason);
          e.resume();
        },
        strict: true,
      }),
      { signal: listing.signal },
    );
  } catch (err) {
    if (over) throw over;
    throw new BuildException(
      BuildErrorCode.INVALID_ARCHIVE,
      `The build context is not a readable tar archive: ${(err as Error).message}`,
    );
  }
  if (over) throw over;
  if (entries === 0)
    throw new BuildException(
      BuildErrorCode.INVALID_ARCHIVE,
      'The build context archive is empty or not a tar archive.',
    );
  if (problems.length > 0) {
    throw new BuildException(
      BuildErrorCode.UNSAFE_ARCHIVE,
      `The build context archive has unsafe entries: ${problems.slice(0, 5).join('; ')}`,
      {
        entries: problems,
      },
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await pipeline(
    Readable.from(archive),
    tar.x({
      cwd: dir,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      filter: (_path, entry) => {
        const e = entry as tar.ReadEntry;
        // Checked above; refused here as well, so nothing but files, directories and links is ever created.
        if (!ALLOWED_TYPES.has(e.type)) return false;
        e.mode = safeMode(e.type, e.mode);
        e.uid = undefined;
        e.gid = undefined;
        return true;
      },
    }),
  );
}

// The build context, ready before the build is answered: the source policy applied, the repository cloned (or the
// upload checked and extracted) into a 0700 scratch directory under BUILD_WORKDIR, the Dockerfile resolved to a
// regular file inside the context, and a way to stream the context to the engine once per platform.
import { lstat, mkdir, chmod, realpath, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { extractArchive } from '../sources/archive-source';
import { BuildErrorCode, BuildException } from '../sources/build-source.exception';
import { archiveStream, cloneSource, type DockerfileLookup } from '../sources/git-source';
import { checkSource, type CheckedSource } from '../sources/source-policy';

export interface PreparedContext {
  scratchDir: string;
  /** The commit built (git sources). */
  revision: string | null;
  /** A fresh tar stream of the context. */
  context: () => Readable;
}

export type ContextSource =
  | { kind: 'git'; source: CheckedSource; branch: string; revision?: string }
  | { kind: 'archive'; archive: Buffer };

@Injectable()
export class ContextPreparer implements OnModuleInit {
  constructor(@InjectConfig() private readonly config: BuildConfig) {}

  /** The work dir exists, is a real directory of this user, and only this user may enter it. */
  async onModuleInit(): Promise<void> {
    const dir = this.config.BUILD_WORKDIR;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const s = await lstat(dir);
    if (!s.isDirectory())
      throw new Error(`BUILD_WORKDIR ${dir} is not a directory (a symbolic link is refused)`);
    if (typeof process.getuid === 'function' && s.uid !== process.getuid()) {
      throw new Error(`BUILD_WORKDIR ${dir} belongs to uid ${s.uid}, not to this service's user`);
    }
    if ((s.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  }

  /** Applies the source rules to a repository (422 SOURCE_NOT_ALLOWED naming the rule). */
  checkRepository(repository: string): Promise<CheckedSource> {
    return checkSource(repository, {
      allowLocal: this.config.BUILD_ALLOW_LOCAL_SOURCES,
      allowPrivate: this.config.BUILD_ALLOW_PRIVATE_SOURCES,
      workDir: this.config.BUILD_WORKDIR,
    });
  }

  /** Fetches the source and checks the Dockerfile; on any failure nothing is left in the work dir. */
  async prepare(
    buildId: string,
    source: ContextSource,
    dockerfile: string,
    signal: AbortSignal,
  ): Promise<PreparedContext> {
    const scratchDir = join(this.config.BUILD_WORKDIR, buildId);
    const contextDir = join(scratchDir, 'context');
    try {
      await mkdir(scratchDir, { recursive: true, mode: 0o700 });
      if (source.kind === 'archive') {
        await extractArchive(source.archive, contextDir, {
          maxBytes: this.config.BUILD_CONTEXT_MAX_BYTES,
          maxEntries: this.config.BUILD_CONTEXT_MAX_ENTRIES,
        });
        this.requireDockerfile(
          await dockerfileInDir(contextDir, dockerfile),
          dockerfile,
          'the uploaded context',
        );
        return {
          scratchDir,
          revision: null,
          context: () => tar.c({ cwd: contextDir, portable: true }, ['.']) as unknown as Readable,
        };
      }
      const cloned = await cloneSource(
        source.source,
        { branch: source.branch, revision: source.revision, dir: contextDir, dockerfile },
        {
          timeoutSeconds: this.config.BUILD_GIT_TIMEOUT_SECONDS,
          signal,
          credentialsFile: this.config.BUILD_GIT_CREDENTIALS_FILE,
        },
      );
      this.requireDockerfile(
        cloned.dockerfile,
        dockerfile,
        `repository ${source.source.url} (${source.branch})`,
      );
      const revision = cloned.revision;
      const maxBytes = this.config.BUILD_CONTEXT_MAX_BYTES;
      return { scratchDir, revision, context: () => archiveStream(contextDir, revision, maxBytes) };
    } catch (err) {
      await this.remove(scratchDir);
      throw err;
    }
  }

  remove(scratchDir: string): Promise<void> {
    return rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private requireDockerfile(found: DockerfileLookup, dockerfile: string, where: string): void {
    if (found.state === 'found') return;
    if (found.state === 'missing') {
      throw new BuildException(
        BuildErrorCode.DOCKERFILE_NOT_FOUND,
        `No Dockerfile at ${dockerfile} in ${where}.`,
        {
          dockerfile_path: dockerfile,
        },
      );
    }
    throw new BuildException(
      BuildErrorCode.INVALID_DOCKERFILE_PATH,
      `dockerfile_path ${dockerfile} in ${where} must be a regular file inside the context: it ${found.reason}.`,
      { dockerfile_path: dockerfile, reason: found.reason },
    );
  }
}

/** Resolves `dockerfile` in an extracted context with every symbolic link followed; it must stay inside. */
async function dockerfileInDir(contextDir: string, dockerfile: string): Promise<DockerfileLookup> {
  const root = await realpath(contextDir);
  const path = dockerfile.replace(/\\/g, '/');
  if (path.startsWith('/') || path.split('/').includes('..'))
    return { state: 'invalid', reason: 'leaves the context' };
  let real: string;
  try {
    real = await realpath(join(root, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // A link to nothing is not a missing file.
      const isLink = await lstat(join(root, path)).then(
        (s) => s.isSymbolicLink(),
        () => false,
      );
      return isLink ? { state: 'invalid', reason: 'is a symbolic link to nothing' } : { state: 'missing' };
    }
    if (code === 'ELOOP') return { state: 'invalid', reason: 'is a symbolic link loop' };
    if (code === 'ENOTDIR')
      return { state: 'invalid', reason: 'goes through something that is not a directory' };
    return { state: 'invalid', reason: `cannot be resolved (${code ?? 'error'})` };
  }
  if (real !== root && !real.startsWith(root + sep)) {
    return { state: 'invalid', reason: 'is a symbolic link leading outside the context' };
  }
  const s = await stat(real);
  return s.isFile() ? { state: 'found' } : { state: 'invalid', reason: 'is not a regular file' };
}

// The container engine behind DOCKER_HOST (Docker, or Podman's Docker-compatible socket), through dockerode.
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';

export interface EngineBuildOptions {
  tag: string;
  dockerfile: string;
  platform: string;
  buildArgs: Record<string, string>;
  noCache: boolean;
  cacheFrom: string[];
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

interface ProgressItem {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string; Tag?: string };
}

export class EngineError extends Error {}

export interface BuiltImage {
  id: string;
  os: string;
  architecture: string;
  variant?: string;
}

/** The dockerode options for DOCKER_HOST: unix:///path, /path, tcp://host:port or http(s)://host:port. */
export function dockerOptionsOf(dockerHost: string): Docker.DockerOptions {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('/')) return { socketPath: dockerHost };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
}

@Injectable()
export class ContainerEngine {
  private readonly docker: Docker;

  constructor(@InjectConfig() private readonly config: BuildConfig) {
    this.docker = new Docker({ ...dockerOptionsOf(config.DOCKER_HOST), timeout: 0 });
  }

  /** Resolves when the engine answers; rejects with the reason otherwise (within `timeoutMs`). */
  async ping(timeoutMs = 3000): Promise<void> {
    const probe = new Docker({ ...dockerOptionsOf(this.config.DOCKER_HOST), timeout: timeoutMs });
    await probe.ping();
  }

  /**
   * Builds one platform's image from a tar stream of the context; each log line goes to `onLine`. Returns the
   * image's id and platform, read in the same inspect.
   */
  async build(context: Readable, o: EngineBuildOptions, onLine: (line: string) => void): Promise<BuiltImage> {
    const stream = await this.docker.buildImage(context, {
      t: o.tag,
      dockerfile: o.dockerfile,
      platform: o.platform,
      buildargs: o.buildArgs,
      nocache: o.noCache,
      ...(o.cacheFrom.length > 0 && !o.noCache ? { cachefrom: JSON.stringify(o.cacheFrom) } : {}),
      rm: true,
    } as Docker.ImageBuildOptions);
    const items = await this.follow(stream, onLine);
    const failed = items.find((i) => i.error ?? i.errorDetail?.message);
    if (failed) throw new EngineError(failed.error ?? failed.errorDetail?.message ?? 'build failed');
    return this.inspect(o.tag);
  }

  async inspect(ref: string): Promise<BuiltImage> {
    const info = (await this.docker.getImage(ref).inspect()) as Docker.ImageInspectInfo & {
      Variant?: string;
    };
    return { id: info.Id, os: info.Os, architecture: info.Architecture, variant: info.Variant || undefined };
  }

  async tag(source: string, repo: string, tag: string): Promise<void> {
    await this.docker.getImage(source).tag({ repo, tag });
  }

  /**
   * Pushes `repo:tag`; the engine reports failures inside a 200 stream, so those are thrown here too.
   * Returns the digest the engine reported, when it did.
   */
  async push(
    repo: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const stream = (await this.docker.getImage(repo).push({
      tag,
      ...(auth ? { authconfig: auth } : { authconfig: { serveraddress: repo.split('/')[0] } }),
      abortSignal: signal,
    } as Docker.ImagePushOptions)) as Readable;
    const onAbort = () =>
      stream.destroy(new EngineError(`push timed out after ${this.config.REGISTRY_PUSH_TIMEOUT_SECONDS}s`));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const items = await this.follow(stream, onLine);
      const failed = items.find((i) => i.error ?? i.errorDetail?.message);
      if (failed) throw new EngineError(failed.error ?? failed.errorDetail?.message ?? 'push failed');
      for (const i of items) {
        if (i.aux?.Digest) return i.aux.Digest;
        const m = /digest: (sha256:[a-f0-9]{64})/.exec(i.status ?? '');
        if (m) return m[1];
      }
      return undefined;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async removeImage(ref: string): Promise<void> {
    await this.docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  }

  private follow(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<ProgressItem[]> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, out: ProgressItem[]) => (err ? reject(err) : resolve(out)),
        (item: ProgressItem) => {
          const text = item.stream ?? item.status ?? item.error ?? item.errorDetail?.message;
          if (!text) return;
          for (const line of text.split('\n')) if (line.trim()) onLine(line.trimEnd());
        },
      );
    });
  }
}

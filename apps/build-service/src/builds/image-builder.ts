// One platform's engine build of the context, with the rebuild without cache when the engine answered from another
// architecture's cache.
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { parsePlatform } from '../config/platforms';
import { ContainerEngine } from '../engine/container-engine';
import { classifyError, errorMessage } from '../engine/push-error';
import type { BuildProgressLog } from './build-progress.log';
import { StageError, type BuildJob } from './build-job';

@Injectable()
export class ImageBuilder {
  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    private readonly engine: ContainerEngine,
  ) {}

  async build(job: BuildJob, platform: string, localRef: string, progress: BuildProgressLog): Promise<void> {
    const noCache = job.noCache || this.config.REGISTRY_BUILD_DISABLE_CACHE;
    const once = async (nc: boolean) => {
      try {
        return await this.engine.build(
          job.context(),
          {
            tag: localRef,
            dockerfile: job.dockerfile,
            platform,
            buildArgs: job.buildArgs,
            noCache: nc,
            cacheFrom: this.config.REGISTRY_BUILD_CACHE_FROM,
          },
          (line) => progress.line(line, platform),
        );
      } catch (err) {
        const msg = errorMessage(err);
        throw new StageError(
          'build',
          classifyError(msg) === 'io' ? 'engine_unavailable' : 'build_failed',
          `${platform}: ${msg}`,
        );
      }
    };
    const got = await once(noCache);
    const want = parsePlatform(platform);
    if (got.architecture !== want.architecture && !noCache) {
      // Some engines (Podman 4) key the layer cache without the platform and hand back another architecture's image.
      progress.system(
        `Cached image is ${got.os}/${got.architecture}, not ${platform}; rebuilding without cache`,
        platform,
      );
      await once(true);
    }
    progress.system(`Built ${localRef}`, platform);
  }
}

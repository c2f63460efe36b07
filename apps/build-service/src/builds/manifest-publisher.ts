// The published tag: an OCI index of the platforms' manifests (one platform: its own manifest) under the build's tag
// and `latest`, then the prune of this tag's per-platform manifests for platforms the build no longer produces.
import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { parsePlatform, platformOfTagSuffix, platformTagSuffix } from '../config/platforms';
import { classifyError, errorMessage, isTransient } from '../engine/push-error';
import { OCI_INDEX, RegistryClient } from '../registry/registry-client';
import { RegistryTelemetryService, type TelemetryBase } from '../telemetry/registry-telemetry.service';
import type { BuildProgressLog } from './build-progress.log';
import { sleep, StageError, type BuildJob, type PlatformResult } from './build-job';

type TagListing = { list: string[] } | { error: unknown };

@Injectable()
export class ManifestPublisher {
  constructor(
    @InjectConfig() private readonly config: BuildConfig,
    private readonly registry: RegistryClient,
    private readonly telemetry: RegistryTelemetryService,
  ) {}

  /** Publishes the manifest and prunes; the tag listing the prune needs is read while the manifest is published. */
  async publish(
    job: BuildJob,
    base: TelemetryBase,
    results: PlatformResult[],
    progress: BuildProgressLog,
  ): Promise<string> {
    const tags: Promise<TagListing> = this.registry.listTags(job.target).then(
      (list) => ({ list }),
      (error: unknown) => ({ error }),
    );
    const digest = await this.publishManifest(job, base, results, progress);
    await this.prune(job, base, progress, await tags);
    return digest;
  }

  /** Transient registry HTTP faults retry like pushes do. */
  private async withRegistryRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(classifyError(errorMessage(err))) || attempt > this.config.REGISTRY_PUSH_RETRIES)
          throw err;
        await sleep(this.config.REGISTRY_PUSH_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
  }

  private async publishManifest(
    job: BuildJob,
    base: TelemetryBase,
    results: PlatformResult[],
    progress: BuildProgressLog,
  ): Promise<string> {
    const allPlatforms = job.platforms.join(',');
    try {
      const children = await Promise.all(
        results.map(async (r) => {
          const m = await this.withRegistryRetry(() => this.registry.getManifest(job.target, r.remoteTag));
          if (!m) throw new Error(`the registry has no manifest for ${r.remoteImage} after its push`);
          r.digest = m.digest;
          return { r, m };
        }),
      );
      let mediaType: string;
      let body: Buffer;
      if (children.length === 1) {
        // One platform: the tag points straight at its image manifest.
        mediaType = children[0].m.mediaType;
        body = children[0].m.body;
      } else {
        mediaType = OCI_INDEX;
        body = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: children.map(({ r, m }) => ({
              mediaType: m.mediaType,
              digest: m.digest,
              size: m.size,
              platform: parsePlatform(r.platform),
            })),
          }),
        );
      }
      const [digest] = await Promise.all([
        this.withRegistryRetry(() => this.registry.putManifest(job.target, job.tag, mediaType, body)),
        this.withRegistryRetry(() => this.registry.putManifest(job.target, 'latest', mediaType, body)),
      ]);
      this.telemetry.queue(base, 'manifest_published', {
        platform: allPlatforms,
        architectures: job.platforms,
        digest,
        attempt: 1,
        status: children.length > 1 ? 'manifest_list' : 'single_platform',
      });
      progress.system(`Manifest published with digest ${digest}`);
      return digest;
    } catch (err) {
      const msg = errorMessage(err);
      throw new StageError('manifest', classifyError(msg), `manifest publish failed: ${msg}`);
    }
  }

  /**
   * Deletes the per-platform manifests of the tag being published (`<tag>-<os>-<arch>`) for platforms this build no
   * longer produces. Other tags are history and stay; a digest another per-platform tag still names is kept too
   * (the registry deletes by digest). Never fails the build.
   */
  private async prune(
    job: BuildJob,
    base: TelemetryBase,
    progress: BuildProgressLog,
    listed: TagListing,
  ): Promise<void> {
    let stale: { tag: string; platform: string }[];
    let tags: string[];
    try {
      if ('error' in listed) throw listed.error;
      tags = listed.list;
      stale = [];
      for (const tag of tags) {
        const platform = platformOfTagSuffix(tag, job.tag);
        if (platform && !job.platforms.includes(platform)) stale.push({ tag, platform });
      }
    } catch (err) {
      await this.telemetry.emit(base, 'manifest_prune_failed', {
        platform: job.platforms.join(','),
        error_kind: classifyError(errorMessage(err)),
        error: errorMessage(err),
      });
      return;
    }
    if (stale.length === 0) return;
    const architectures = [...new Set(stale.map((s) => s.platform))].sort();
    const fields = { platform: architectures.join(','), architectures };
    await this.telemetry.emit(base, 'manifest_prune_started', {
      ...fields,
      reason: `${stale.length} manifest tags`,
    });
    try {
      const digests = new Set<string>();
      for (const s of stale) {
        const m = await this.registry.getManifest(job.target, s.tag);
        if (m) digests.add(m.digest);
      }
      // Older tags of the same platforms may name the same image (an unchanged rebuild): their digest stays.
      const suffixes = new Set(stale.map((s) => `-${platformTagSuffix(s.platform)}`));
      const staleTags = new Set(stale.map((s) => s.tag));
      for (const tag of tags) {
        if (staleTags.has(tag) || ![...suffixes].some((x) => tag.endsWith(x))) continue;
        const m = await this.registry.getManifest(job.target, tag);
        if (m) digests.delete(m.digest);
      }
      for (const d of digests) await this.registry.deleteManifest(job.target, d);
      await this.telemetry.emit(base, 'manifest_prune_succeeded', {
        ...fields,
        status: `pruned ${digests.size} manifests`,
      });
      progress.system(`Pruned manifests of ${architectures.join(', ')}`);
    } catch (err) {
      const msg = errorMessage(err);
      await this.telemetry.emit(base, 'manifest_prune_failed', {
        ...fields,
        error_kind: classifyError(msg),
        error: msg,
      });
      progress.line(`manifest prune failed: ${msg}`, null, 'stderr');
    }
  }
}

// What one accepted build carries through its rooms (context, images, pushes, manifest, outcome), and the error a
// room throws to name the stage it failed in.
import type { Readable } from 'node:stream';
import type { CredentialOutcome } from '../credentials/credential.service';
import type { RegistryTarget } from '../registry/registry-target';

export interface BuildJob {
  buildId: string;
  serverId: string;
  serverName: string;
  sourceKind: 'git' | 'archive';
  /** The repository without credentials, as recorded everywhere. */
  sourceRepository: string | null;
  sourceBranch: string | null;
  sourceRevision: string | null;
  /** A fresh tar stream of the build context, one per platform build. */
  context: () => Readable;
  /** The scratch directory removed when the build ends (the clone or the extracted upload). */
  scratchDir: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  platforms: string[];
  noCache: boolean;
  target: RegistryTarget;
  tag: string;
  startedAt: Date;
}

export type Stage = 'clone' | 'build' | 'tag' | 'push' | 'manifest' | 'auth';

export class StageError extends Error {
  constructor(
    readonly stage: Stage,
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PlatformResult {
  platform: string;
  remoteImage: string;
  remoteTag: string;
  digest: string | undefined;
  outcome: CredentialOutcome;
}

/** Runs `fn` over `items` with at most `limit` in flight; every item settles before the first failure is thrown. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

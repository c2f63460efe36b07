// What the marketplace's service tests share: a clock they move, JSON calls to the service, servers registered until
// the marketplace has projected them, artifact runs as the build-service records them, and runs stored the way the
// artifact projection stores them.
import { randomUUID } from 'node:crypto';
import type { ArtifactRun, Server } from '@mcp-host/contracts';
import { waitFor } from '@mcp-host/platform/testing';
import type { Harness } from '@mcp-host/policy-engine/testing';
import { CatalogHealth } from '../../src/catalog/catalog-health.service';
import { CatalogRepository } from '../../src/catalog/catalog.repository';
import { Clock } from '../../src/common/clock';

/** A clock that stands still until a test moves it. */
export class FakeClock extends Clock {
  private at: number;

  constructor(start = '2026-06-01T00:00:00.000Z') {
    super();
    this.at = Date.parse(start);
  }

  override now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

export type ApiCall = <T>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** JSON calls to the harness's service: the status and the parsed body. */
export function apiCall(h: () => Harness): ApiCall {
  return async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h().url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

/** Registers a server with the policy engine and waits until the marketplace's projection holds it. */
export async function projectedServer(h: Harness, body: Record<string, unknown>): Promise<Server> {
  const s = await h.registerServer(body);
  await waitFor(
    async () =>
      (await h.serviceDb.query<unknown[]>('SELECT 1 FROM servers WHERE id = $1', [s.id])).length > 0,
    { timeoutMs: 15_000, what: 'the server in the marketplace projection' },
  );
  return s;
}

/** How a run was built: its platforms and their credential posture. */
export interface RunShape {
  platforms?: string[];
  credentials?: string;
}

/** A succeeded artifact run of `server` with a fresh digest, one entry per platform; `over` replaces any field. */
export function artifactRun(
  server: Pick<Server, 'id' | 'name'>,
  over: Partial<ArtifactRun> = {},
  shape: RunShape = {},
): ArtifactRun {
  const digest = `sha256:${randomUUID().replace(/-/g, '')}`;
  const platforms = shape.platforms ?? ['linux/amd64'];
  const credentials = shape.credentials ?? 'unconfigured';
  return {
    id: randomUUID(),
    server_id: server.id,
    build_id: randomUUID(),
    source_repo: 'https://git.example/acme/router.git',
    source_branch: 'main',
    source_revision: 'abc123',
    local_image: `mcp-host/${server.name}:local`,
    registry_image: `registry.example:5000/mcp/${server.name}:v1`,
    manifest_tag: 'v1',
    manifest_digest: digest,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:01:00.000Z',
    multi_arch: platforms.length > 1,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: credentials,
    status: 'succeeded',
    platforms: platforms.map((platform) => ({
      platform,
      remote_image: `registry.example:5000/mcp/${server.name}@${digest}`,
      digest,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: credentials,
    })),
    ...over,
  } as ArtifactRun;
}

/** Stores runs as the artifact projection does (ledger row, grading, list rows), without waiting for the broker. */
export async function storeRuns(h: Harness, ...runs: ArtifactRun[]): Promise<void> {
  const repo = h.service.app.get(CatalogRepository);
  const health = h.service.app.get(CatalogHealth);
  await h.serviceDb.transaction(async (m) => {
    for (const run of runs) await repo.upsertArtifact(m, run);
    await health.refreshServers(
      m,
      runs.map((r) => r.server_id),
    );
  });
}

// A server's registration and its first run, projected at the same time in two transactions: the catalog must end
// with the run's graded entry (and its tier announced), whichever transaction reads first.
import { randomUUID } from 'node:crypto';
import type { ArtifactRun, Server } from '@mcp-host/contracts';
import type { EventContext } from '@mcp-host/platform';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { MarketplaceModule } from '../src';
import { CatalogArtifactProjection } from '../src/catalog/catalog-artifact.projection';
import { CatalogServerProjection } from '../src/catalog/catalog-server.projection';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('marketplace_race', (env) => MarketplaceModule.forRoot({ env }));
});

afterAll(async () => {
  await h?.close();
});

const ctx = (manager: EventContext['manager']) => ({ manager }) as EventContext;

describe('server registration racing its first run', () => {
  it('when the run is projected while the registration is uncommitted, then the run still gets its graded entry', async () => {
    const now = new Date().toISOString();
    const server: Server = {
      id: randomUUID(),
      name: `race-${Date.now().toString(36)}`,
      server_type: `Race${Date.now().toString(36)}`,
      source_repository: null,
      source_branch: 'main',
      dockerfile_path: 'Dockerfile',
      tier: 'gold',
      owner: null,
      status: 'registered',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const digest = `sha256:${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    const run: ArtifactRun = {
      id: randomUUID(),
      server_id: server.id,
      build_id: randomUUID(),
      source_repo: 'https://git.example/acme/race.git',
      source_branch: 'main',
      source_revision: 'abc',
      local_image: 'mcp-host/race:local',
      registry_image: 'registry.example/race:v1',
      manifest_tag: 'v1',
      manifest_digest: digest,
      started_at: now,
      completed_at: now,
      multi_arch: false,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'unconfigured',
      status: 'succeeded',
      platforms: [
        {
          platform: 'linux/amd64',
          remote_image: 'registry.example/race:v1',
          digest,
          auth_refresh_attempted: false,
          auth_refresh_succeeded: false,
          auth_rotation_attempted: false,
          auth_rotation_succeeded: false,
          credential_health_status: 'unconfigured',
        },
      ],
    };
    const servers = h.service.app.get(CatalogServerProjection);
    const artifacts = h.service.app.get(CatalogArtifactProjection);

    // The registration grades (no run visible) and holds its transaction open while the run is projected; the
    // run's transaction then grades too. Without serialization it sees no server, and nobody lists the run.
    let registered!: () => void;
    const graded = new Promise<void>((r) => (registered = r));
    const first = h.serviceDb.transaction(async (m) => {
      await servers.onRegistered(server, ctx(m));
      registered();
      await new Promise((r) => setTimeout(r, 500));
    });
    await graded;
    const second = h.serviceDb.transaction((m) => artifacts.onRecorded(run, ctx(m)));
    await Promise.all([first, second]);

    const entries = (await h.serviceDb.query(
      'SELECT entry_id, artifact_run_id, tier_key FROM catalog_entries WHERE server_id = $1',
      [server.id],
    )) as { entry_id: string; artifact_run_id: string | null; tier_key: string }[];
    expect(entries).toEqual([
      { entry_id: run.id, artifact_run_id: run.id, tier_key: `gold:${server.server_type.toLowerCase()}` },
    ]);
  });
});

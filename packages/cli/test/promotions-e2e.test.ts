// `mcpctl governance` and `mcpctl promotions` end to end against the built standalone host: a real gateway, the real
// governance service on embedded Postgres and Kafka. The ledger run arrives as the build-service would send it, as an
// `artifact.recorded` event on the embedded broker.
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventPayload } from '@mcp-host/contracts';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';
import { runCli } from './stub-server';

// The kit's SSE test client, from the built package next door (the CLI itself never depends on the kit).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SseClient } = require('../../platform/dist/testing') as {
  SseClient: {
    open(
      base: string,
      path: string,
      headers: Record<string, string>,
    ): Promise<{
      status: number;
      body: string;
      ended: boolean;
      events: { id?: string; event?: string; data: string }[];
      waitFor(p: (c: { events: unknown[]; ended: boolean }) => boolean, ms?: number, what?: string): Promise<void>;
      close(): void;
    }>;
  };
};

jest.setTimeout(300_000);

let host: StandaloneHost;
let url: string;
let token: string;

beforeAll(async () => {
  host = await startStandaloneHost('promotions-e2e');
  ({ url, token } = host);
});

afterAll(async () => {
  await host?.stop();
});

const mcpctl = (...args: string[]) => host.mcpctl(...args);

async function json<T>(...args: string[]): Promise<T> {
  const r = await mcpctl(...args, '--json');
  if (r.code !== 0) throw new Error(`mcpctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function artifact(digest: string): EventPayload<'artifact.recorded'> {
  return {
    id: randomUUID(),
    server_id: randomUUID(),
    build_id: randomUUID(),
    source_repo: 'https://git.example/acme/router.git',
    source_branch: 'main',
    source_revision: 'abc123',
    local_image: 'mcp-host/router:local',
    registry_image: 'registry.example:5000/mcp/router:v1',
    manifest_tag: 'v1',
    manifest_digest: digest,
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:01:00.000Z',
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'unconfigured',
    status: 'succeeded',
    platforms: [],
  };
}

describe('mcpctl governance and promotions against the standalone host', () => {
  it('when a built digest is scheduled and its run is driven to success, then watch follows the run and the promotion is active; a rejection blocks the digest until an admin lifts it', async () => {
    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    await host.publish('artifact.recorded', artifact(digest));
    const suffix = Date.now().toString(36);
    const workflow = await json<{ id: string }>(
      'governance',
      'workflows',
      'create',
      `e2e-wf-${suffix}`,
      '--tier',
      'gold',
      '--step',
      'check',
    );
    const track = await json<{ id: string }>(
      'promotions',
      'tracks',
      'create',
      `e2e-train-${suffix}`,
      '--stage',
      'dev',
      '--stage',
      'prod',
      '--workflow-id',
      workflow.id,
    );
    const tracks = await mcpctl('promotions', 'tracks', 'list');
    expect(tracks.stdout).toMatch(new RegExp(`e2e-train-${suffix}.*dev → prod`));

    // Governance has to have projected the ledger run before the digest can be scheduled.
    const promotion = await waitFor(
      async () => {
        const r = await mcpctl('promotions', 'schedule', track.id, digest, 'dev', '--note', 'e2e', '--json');
        return r.code === 0
          ? (JSON.parse(r.stdout) as { id: string; status: string; governance_run_id: string })
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the digest to be schedulable' },
    );
    expect(promotion.status).toBe('scheduled');
    const runId = promotion.governance_run_id;

    // The watch prints the run's snapshot once its stream is open; the run moves only after that.
    let live = '';
    const watching = runCli(['governance', 'runs', 'watch', runId, '--url', url, '--token', token], {
      stdout: (text) => {
        live += text;
      },
    });
    await waitFor(async () => live.includes(`${runId} pending (version 1)`), {
      timeoutMs: 30_000,
      what: 'the watch to open its stream',
    });
    for (const args of [
      ['--status', 'in_progress'],
      ['--status', 'in_progress', '--step', '0'],
      ['--status', 'succeeded', '--step', '0', '--note', 'checked'],
      ['--status', 'succeeded'],
    ]) {
      const moved = await mcpctl('governance', 'runs', 'transition', runId, ...args);
      expect(moved.code).toBe(0);
    }
    expect((await watching).code).toBe(0);
    // Every transition once, in order, after the snapshot.
    expect(live.split('\n').filter(Boolean)).toEqual([
      `${runId} pending (version 1)`,
      expect.stringMatching(new RegExp(`^${runId} pending → in_progress by `)),
      expect.stringMatching(new RegExp(`^${runId} step 0 pending → in_progress by `)),
      expect.stringMatching(new RegExp(`^${runId} step 0 in_progress → succeeded by .*: checked$`)),
      expect.stringMatching(new RegExp(`^${runId} in_progress → succeeded by `)),
      `${runId} completed: succeeded`,
    ]);

    const active = await json<{ status: string; run_status: string }>('promotions', 'get', promotion.id);
    expect(active).toMatchObject({ status: 'active', run_status: 'succeeded' });
    const history = await mcpctl('promotions', 'history', '--track-id', track.id, '--manifest', digest);
    expect(history.stdout).toMatch(new RegExp(`${promotion.id}.*dev.*active`));

    const closed = await mcpctl('promotions', 'approve', promotion.id);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('INVALID_TRANSITION');

    const prod = await json<{ id: string }>('promotions', 'schedule', track.id, digest, 'prod');
    const rejected = await json<{ status: string }>('promotions', 'reject', prod.id, '--note', 'CVE');
    expect(rejected.status).toBe('rejected');
    const blocked = await mcpctl('promotions', 'schedule', track.id, digest, 'prod');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('DIGEST_BLOCKED');

    const blocks = await json<{ items: { id: string; kind: string }[] }>(
      'promotions',
      'blocks',
      'list',
      '--track-id',
      track.id,
    );
    expect(blocks.items).toEqual([expect.objectContaining({ kind: 'rejected' })]);
    const lifted = await mcpctl('promotions', 'blocks', 'lift', blocks.items[0].id, '--note', 'fixed');
    expect(lifted.code).toBe(0);
    expect((await mcpctl('promotions', 'schedule', track.id, digest, 'prod')).code).toBe(0);
  });

  it('when a run stream is opened, then the gateway sends the run as it is first, then its transitions, and a reconnect with Last-Event-ID gets the missed ones and no second snapshot', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const workflow = await json<{ id: string }>(
      'governance',
      'workflows',
      'create',
      `e2e-stream-${Date.now().toString(36)}`,
      '--tier',
      'gold',
      '--step',
      'check',
    );
    const run = await json<{ id: string; version: number }>(
      'governance',
      'workflows',
      'start',
      workflow.id,
      '--manifest-digest',
      `sha256:${randomBytes(32).toString('hex')}`,
    );
    const path = `/api/governance/runs/${run.id}/stream`;

    const first = await SseClient.open(url, path, auth);
    expect(first.status).toBe(200);
    await first.waitFor((c) => c.events.length >= 1, 30_000, 'the snapshot');
    const [snapshot] = first.events;
    expect(snapshot.event).toBe('snapshot');
    expect(JSON.parse(snapshot.data)).toMatchObject({ id: run.id, status: 'pending', version: 1 });
    expect(snapshot.id).toEqual(expect.any(String));

    expect((await mcpctl('governance', 'runs', 'transition', run.id, '--status', 'in_progress')).code).toBe(0);
    const isTransition = (e: { event?: string }) => e.event === 'governance.run.transitioned';
    await first.waitFor((c) => c.events.some((e) => isTransition(e as { event?: string })), 30_000, 'a transition');
    // (`governance.run.started` may come too when its relay ran after the stream was placed: duplicates of what
    // the snapshot holds are allowed, gaps are not.)
    const moved = first.events.find(isTransition)!;
    expect(JSON.parse(moved.data)).toMatchObject({ run_id: run.id, to_status: 'in_progress' });
    const lastSeen = moved.id ?? '';
    first.close();

    // Changes while nobody listens arrive on the reconnect, after exactly what was seen.
    expect((await mcpctl('governance', 'runs', 'transition', run.id, '--status', 'cancelled')).code).toBe(0);
    const again = await SseClient.open(url, path, { ...auth, 'last-event-id': lastSeen });
    try {
      expect(again.status).toBe(200);
      await again.waitFor(
        (c) => c.events.some((e) => (e as { event?: string }).event === 'governance.run.completed'),
        30_000,
        'the missed transition and the completion',
      );
      const types = again.events.map((e) => e.event);
      expect(types).not.toContain('snapshot');
      const missed = again.events.filter(isTransition);
      expect(missed).toHaveLength(1);
      expect(JSON.parse(missed[0].data)).toMatchObject({ run_id: run.id, to_status: 'cancelled' });
    } finally {
      again.close();
    }

    // An unknown run is the governance service's 404, answered before any stream opens.
    const unknown = await SseClient.open(url, `/api/governance/runs/${randomUUID()}/stream`, auth);
    await unknown.waitFor((c) => c.ended, 30_000, 'the 404');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: expect.stringMatching(/NOT_FOUND/) } });
  });
});

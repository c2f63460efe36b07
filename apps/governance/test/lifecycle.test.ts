// The lifecycle console on real Postgres and the embedded broker: one snapshot per server merged from the server
// projection, the artifact ledger, promotions, the trust registry, remediation runs and the marketplace catalog;
// filters and keyset pages; deltas published per change with gap-free versions; and a reader that resumes from the
// stream position it last saw losing nothing while servers change.
import { randomUUID } from 'node:crypto';
import {
  lifecycleSnapshotSchema,
  TOPICS,
  type EventPayload,
  type LifecycleSnapshot,
  type Server,
} from '@mcp-host/contracts';
import { KafkaConnection, TopicReader, Transactions, type TopicRecord } from '@mcp-host/platform';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import { LIST_RUNS } from '../src/lifecycle/lifecycle-snapshot';
import { RECENT_RUNS } from '../src/lifecycle/lifecycle.service';
import { TrustService } from '../src/trust/trust.service';
import { api, newDigest, unique } from './support/api';
import { promotions } from './support/promotions';

let h: Harness;
let deltas: EventCollector;
let http: ReturnType<typeof api>;
let p: ReturnType<typeof promotions>;

const PLAYBOOKS = [
  {
    name: 'quarantine',
    executor_type: 'quarantine-instance',
    requires_approval: false,
    sla_seconds: 300,
    parameters: {},
  },
  {
    name: 'restart',
    executor_type: 'restart-server',
    requires_approval: true,
    sla_seconds: 600,
    parameters: { server_id: 'uuid' },
  },
];

beforeAll(async () => {
  h = await startHarness('governance_lifecycle', (env) => GovernanceModule.forRoot({ env }), {
    REMEDIATION_PLAYBOOKS: JSON.stringify(PLAYBOOKS),
  });
  deltas = await collectEvents(h.kafka.brokers, TOPICS.lifecycleSnapshots.name);
  http = api(h);
  p = promotions(h);
}, 120_000);

afterAll(async () => {
  await deltas?.stop();
  await h?.close();
});

type Page = { items: LifecycleSnapshot[]; next_cursor: string | null };

async function register(owner: string | null = null): Promise<Server> {
  return h.registerServer({ name: unique('lc'), server_type: 'Router', owner });
}

/** Records a build of `digest` for `serverId` as the build-service would, and waits until governance applied it. */
async function build(serverId: string, digest: string, status = 'succeeded'): Promise<string> {
  const id = randomUUID();
  const at = new Date().toISOString();
  const payload: EventPayload<'artifact.recorded'> = {
    id,
    server_id: serverId,
    build_id: null,
    source_repo: 'https://example.com/acme/router.git',
    source_branch: 'main',
    source_revision: null,
    local_image: 'router:local',
    registry_image: 'registry.example.com/router:1',
    manifest_tag: '1',
    manifest_digest: digest,
    started_at: at,
    completed_at: at,
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'healthy',
    status,
    platforms: [],
  };
  await h.waitForInbox(await h.publishFromPolicy('artifact.recorded', payload));
  return id;
}

/** A VM instance of the server in the trust registry, through the projection's own code path. */
async function vmInstance(serverId: string, lifecycle = 'running', status = 'verified'): Promise<string> {
  const id = randomUUID();
  await h.service.app.get(Transactions).run((m) =>
    h.service.app.get(TrustService).applyVmEvent(m, {
      event_id: randomUUID(),
      vm_instance_id: id,
      server_id: serverId,
      event_type: lifecycle,
      attestation_status: status,
      isolation_tier: 'confidential-vm',
      fallback_reason: null,
      details: {},
      occurred_at: new Date().toISOString(),
      lifecycle,
      version: 1,
    }),
  );
  return id;
}

async function catalog(server: Server, digest: string, tier: string, issues: string[] = []): Promise<void> {
  const at = new Date().toISOString();
  await h.waitForInbox(
    await h.publishFromPolicy('marketplace.entry.upserted', {
      artifact_run_id: randomUUID(),
      server_id: server.id,
      server_name: server.name,
      server_type: 'Router',
      tier,
      status: 'succeeded',
      source_repo: null,
      source_branch: null,
      source_revision: null,
      registry_image: null,
      manifest_tag: null,
      manifest_digest: digest,
      architectures: ['amd64'],
      multi_arch: false,
      credential_health_status: 'healthy',
      health: { issues },
      active_promotion: null,
      completed_at: at,
      updated_at: at,
    }),
  );
}

async function list(query: string): Promise<Page> {
  return http.ok<Page>('GET', `/api/lifecycle${query}`);
}

/** The server's row once `ready` holds for it (found through its owner, or through `query`). */
async function row(
  serverId: string,
  ready: (s: LifecycleSnapshot) => boolean,
  what: string,
  query?: string,
): Promise<LifecycleSnapshot> {
  let last: LifecycleSnapshot | undefined;
  try {
    return await waitFor(
      async () => {
        const page = await list(
          query ?? `?limit=200&owner_id=${encodeURIComponent(await ownerOf(serverId))}`,
        );
        last = page.items.find((i) => i.server_id === serverId);
        return last && ready(last) ? last : undefined;
      },
      { timeoutMs: 30_000, what },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; the row is ${JSON.stringify(last)}`);
  }
}

const owners = new Map<string, string>();
async function ownerOf(serverId: string): Promise<string> {
  const o = owners.get(serverId);
  if (!o) throw new Error(`no owner recorded for ${serverId}`);
  return o;
}

async function ownedServer(): Promise<{ server: Server; owner: string }> {
  const owner = unique('team');
  const server = await register(owner);
  owners.set(server.id, owner);
  return { server, owner };
}

function deltasOf(serverId: string): EventPayload<'lifecycle.snapshot.updated'>[] {
  return deltas.events
    .filter((e) => e.type === 'lifecycle.snapshot.updated' && e.payload.server_id === serverId)
    .map((e) => e.payload as EventPayload<'lifecycle.snapshot.updated'>);
}

describe('lifecycle console snapshots', () => {
  it('when a server is built, promoted, attested, remediated and catalogued, then its one row merges all of it with per-run analytics', async () => {
    const { server, owner } = await ownedServer();
    const registered = await row(server.id, () => true, 'the registered server');
    expect(registered).toMatchObject({
      server_name: server.name,
      owner_id: owner,
      lifecycle_state: 'registered',
      promotion_lane: null,
      recent_remediation_runs: [],
      version: 1,
    });

    const digest = newDigest();
    const artifactRun = await build(server.id, digest);
    await row(server.id, (s) => s.lifecycle_state === 'built', 'the built server');

    const track = await p.track();
    const promoted = await p.activate(track, digest, 'dev');
    await catalog(server, digest, 'gold:Router');
    const instance = await vmInstance(server.id);

    const active = await row(
      server.id,
      (s) =>
        s.lifecycle_state === 'active' && s.marketplace_readiness === 'ready' && s.trust_posture !== null,
      'the active, catalogued, attested server',
    );
    expect(active).toMatchObject({
      manifest_digest: digest,
      artifact_run_id: artifactRun,
      promotion_lane: `${track.name}/dev`,
      active_promotion_id: promoted.id,
      trust_posture: 'verified/running',
      marketplace_readiness: 'ready',
      ledger: { artifacts: 1, succeeded: 1, latest_digest: digest, latest_status: 'succeeded' },
      promotion: {
        promotion_id: promoted.id,
        track: track.name,
        stage: 'dev',
        status: 'active',
        governance_run_id: promoted.governance_run_id,
        run_status: 'succeeded',
      },
      provenance: { artifact_run_id: artifactRun, manifest_digest: digest, vm_instance_id: instance },
    });
    expect(active.gate_verdicts).toEqual(
      expect.arrayContaining([
        'ledger:succeeded',
        'promotion:active',
        'governance:succeeded',
        'marketplace:gold:Router',
        'trust:verified',
      ]),
    );

    // A restart awaiting approval: the server is remediating; rejecting it names the override actor.
    const restart = await http.ok<{ id: string; version: number }>('POST', '/api/remediation/runs', {
      instance_id: instance,
      playbook: 'restart',
      payload: { server_id: server.id },
      owner: 'oncall',
    });
    await row(server.id, (s) => s.lifecycle_state === 'remediating', 'the remediating server');
    await http.ok(
      'POST',
      `/api/remediation/runs/${restart.id}/approve`,
      { approval_state: 'rejected', version: restart.version },
      { subject: 'carol@example.com', role: 'operator' },
    );
    // A quarantine runs at once through the trust guard; the instance ends quarantined and so does the server.
    const quarantine = await http.ok<{ id: string }>('POST', '/api/remediation/runs', {
      instance_id: instance,
      playbook: 'quarantine',
    });
    const done = await row(
      server.id,
      (s) =>
        s.lifecycle_state === 'quarantined' &&
        s.recent_remediation_runs.some((r) => r.run_id === quarantine.id && r.status === 'succeeded') &&
        s.recent_remediation_runs.some((r) => r.run_id === restart.id && r.override_actor !== null),
      'the quarantined server with both runs',
    );
    expect(done.recent_remediation_runs.map((r) => r.run_id)).toEqual([quarantine.id, restart.id]);
    const [q, r] = done.recent_remediation_runs;
    expect(q).toMatchObject({
      playbook: 'quarantine',
      attempt: 1,
      retries: 0,
      promotion_verdict_ref: `promotion:${promoted.id}:active`,
    });
    expect(q.ledger.at(-1)).toBe('1:succeeded');
    expect(q.duration_ms).not.toBeNull();
    expect(q.duration_seconds).toBe(Math.floor(q.duration_ms! / 1000));
    expect(q.artifact_fingerprints).toEqual(expect.arrayContaining([digest]));
    // The quarantine stored a log and an evidence bundle: their digests are fingerprints too.
    const artifacts = await http.ok<{ items: { digest: string }[] }>(
      'GET',
      `/api/remediation/runs/${quarantine.id}/artifacts`,
    );
    expect(q.artifact_fingerprints).toEqual(expect.arrayContaining(artifacts.items.map((a) => a.digest)));
    expect(q.trust_posture).toBe('revoked/quarantined');
    expect(q.marketplace_readiness).toBe('ready');
    expect(q.ledger_summary).toBe('1 build, 1 succeeded');
    expect(q.provenance).toMatchObject({
      playbook: 'quarantine',
      executor_type: 'quarantine-instance',
      instance_id: instance,
    });
    expect(r).toMatchObject({
      playbook: 'restart',
      override_actor: 'carol@example.com',
      duration_ms: expect.any(Number),
    });
    expect(r.override_actors).toContain('carol@example.com');
    expect(r.ledger[0]).toBe('1:awaiting_approval');
    expect(done.trust_posture).toBe('revoked/quarantined');
    expect(done.retries_total).toBe(0);
    expect(lifecycleSnapshotSchema.safeParse(done).success).toBe(true);
  });

  it('when the catalog degrades or the server is deleted, then readiness and state follow', async () => {
    const { server } = await ownedServer();
    const digest = newDigest();
    await build(server.id, digest);
    await catalog(server, digest, 'silver:Router', ['credential rotation overdue']);
    const degraded = await row(server.id, (s) => s.marketplace_readiness !== null, 'the catalogued server');
    expect(degraded.marketplace_readiness).toBe('degraded');
    await catalog(server, digest, 'watchlist:Router');
    await row(server.id, (s) => s.marketplace_readiness === 'watchlist', 'the watchlisted server');
    await h.deleteServer(server.id);
    await row(server.id, () => true, 'the deleted server', '?limit=200&lifecycle_state=deleted');
  });
});

describe('lifecycle console queries', () => {
  it('when filtered by lifecycle state, owner and promotion lane, then only matching rows are listed', async () => {
    const owner = unique('team');
    const a = await register(owner);
    const b = await register(owner);
    const c = await register(unique('other-team'));
    for (const s of [a, b]) owners.set(s.id, owner);
    owners.set(c.id, c.owner!);
    const digestA = newDigest();
    const digestC = newDigest();
    await build(a.id, digestA);
    await build(c.id, digestC);
    // One active promotion per track and stage: a and c ride different tracks.
    const trackA = await p.track();
    const trackC = await p.track();
    await p.activate(trackA, digestA, 'dev');
    await p.activate(trackC, digestC, 'dev');
    await p.activate(trackC, digestC, 'staging');
    await row(a.id, (s) => s.lifecycle_state === 'active', 'a active');
    await row(c.id, (s) => s.promotion_lane === `${trackC.name}/staging`, 'c active in staging');
    await row(b.id, () => true, 'b listed');

    const byOwner = await list(`?owner_id=${owner}`);
    expect(byOwner.items.map((s) => s.server_id).sort()).toEqual([a.id, b.id].sort());
    const activeOfOwner = await list(`?owner_id=${owner}&lifecycle_state=active`);
    expect(activeOfOwner.items.map((s) => s.server_id)).toEqual([a.id]);
    const registeredOfOwner = await list(`?owner_id=${owner}&lifecycle_state=registered`);
    expect(registeredOfOwner.items.map((s) => s.server_id)).toEqual([b.id]);
    const lane = await list(`?promotion_lane=${encodeURIComponent(`${trackC.name}/staging`)}`);
    expect(lane.items.map((s) => s.server_id)).toEqual([c.id]);
    expect((await list(`?promotion_lane=${encodeURIComponent(`${trackC.name}/dev`)}`)).items).toEqual([]);
    const wholeTrack = await list(`?promotion_lane=${encodeURIComponent(trackA.name)}`);
    expect(wholeTrack.items.map((s) => s.server_id)).toEqual([a.id]);
    expect((await list(`?lifecycle_state=no-such-state`)).items).toEqual([]);
  });

  it('when a page is limited, then next_cursor walks every row once; a foreign cursor or bad limit is a 400', async () => {
    const owner = unique('paged');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const s = await register(owner);
      owners.set(s.id, owner);
      ids.push(s.id);
    }
    await waitFor(async () => ((await list(`?owner_id=${owner}`)).items.length === 5 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'five rows',
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(`?owner_id=${owner}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((s) => s.server_id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());

    const foreign = await http.call('GET', '/api/lifecycle?cursor=bm90LWEtY3Vyc29y');
    expect(foreign.status).toBe(400);
    expect(foreign.body.error?.code).toBe('INVALID_CURSOR');
    const bad = await http.call('GET', '/api/lifecycle?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('VALIDATION_FAILED');
  });
});

describe('lifecycle list rows', () => {
  it('when a server has more runs than a list row holds and then a promotion moves, then its stored list row follows with the newest runs only', async () => {
    expect(RECENT_RUNS).toBeGreaterThan(LIST_RUNS);
    const { server } = await ownedServer();
    const digest = newDigest();
    await build(server.id, digest);
    const instance = await vmInstance(server.id);
    const enqueued: string[] = [];
    for (let i = 0; i < RECENT_RUNS; i += 1) {
      const run = await http.ok<{ id: string }>('POST', '/api/remediation/runs', {
        instance_id: instance,
        playbook: 'restart',
        payload: { server_id: server.id },
        owner: 'oncall',
      });
      enqueued.push(run.id);
    }
    // Runs are ordered by when governance attributed them, which follows event delivery, not the enqueue loop. Every
    // run reaching one snapshot also pins that concurrent attributions do not overwrite each other's run.
    const all = await waitFor(
      () => deltasOf(server.id).find((d) => d.recent_remediation_runs.length === RECENT_RUNS),
      { timeoutMs: 20_000, what: `a delta with ${RECENT_RUNS} runs` },
    );
    expect(all.recent_remediation_runs.map((r) => r.run_id).sort()).toEqual([...enqueued].sort());
    const listed = await row(server.id, (s) => s.version >= all.version, 'the row with every run');
    // The list row carries the newest LIST_RUNS runs; the stream's delta of the same version has the whole snapshot.
    const full = await waitFor(() => deltasOf(server.id).find((d) => d.version === listed.version), {
      timeoutMs: 20_000,
      what: `the delta of version ${listed.version}`,
    });
    expect(full.recent_remediation_runs).toHaveLength(RECENT_RUNS);
    expect(listed.recent_remediation_runs).toHaveLength(LIST_RUNS);
    const newest = full.recent_remediation_runs.map((r) => r.run_id);
    const { promotion_history: _history, delta: _delta, heartbeat: _heartbeat, ...rest } = full;
    expect(listed).toEqual({
      ...rest,
      recent_remediation_runs: full.recent_remediation_runs.slice(0, LIST_RUNS),
    });
    expect(listed).not.toHaveProperty('promotion_history');
    expect(listed.recent_remediation_runs[0]).toMatchObject({
      playbook: 'restart',
      status: 'awaiting_approval',
      attempt: 1,
      retries: 0,
      ledger: ['1:awaiting_approval'],
      artifact_fingerprints: [digest],
      ledger_summary: '1 build, 1 succeeded',
      provenance: { playbook: 'restart', instance_id: instance, owner: 'oncall' },
    });
    expect(lifecycleSnapshotSchema.safeParse(listed).success).toBe(true);

    // A promotion changes the snapshot: the stored list row is rewritten in the same transaction as the body.
    const track = await p.track();
    const promoted = await p.activate(track, digest, 'dev');
    const moved = await row(
      server.id,
      (s) => s.active_promotion_id === promoted.id,
      'the row with the active promotion',
    );
    expect(moved.version).toBeGreaterThan(listed.version);
    expect(moved).toMatchObject({
      promotion_lane: `${track.name}/dev`,
      promotion: { promotion_id: promoted.id, status: 'active', track: track.name, stage: 'dev' },
      lifecycle_state: 'remediating',
    });
    expect(moved.recent_remediation_runs.map((r) => r.run_id)).toEqual(newest.slice(0, LIST_RUNS));
    expect(moved.recent_remediation_runs[0].promotion_verdict_ref).toBe(`promotion:${promoted.id}:active`);
  });

  it('when the list is read, then the joined stored rows are one JSON document sent as application/json', async () => {
    const { server, owner } = await ownedServer();
    await row(server.id, () => true, 'the registered server');
    const res = await fetch(`${h.url}/api/lifecycle?owner_id=${encodeURIComponent(owner)}`, {
      headers: { 'x-mcp-host-subject': 'operator@example.com', 'x-mcp-host-role': 'operator' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const page = JSON.parse(await res.text()) as Page;
    expect(page).toEqual({ items: [expect.objectContaining({ server_id: server.id })], next_cursor: null });
  });
});

describe('lifecycle deltas', () => {
  it('when a server changes, then each change is one delta with the next version and what changed; a redelivered event adds none', async () => {
    const { server } = await ownedServer();
    const digest = newDigest();
    const artifact = await build(server.id, digest);
    await row(server.id, (s) => s.lifecycle_state === 'built', 'built');
    await waitFor(() => (deltasOf(server.id).length >= 2 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'two deltas',
    });
    const [created, built] = deltasOf(server.id);
    expect(created).toMatchObject({ version: 1, delta: { changed: ['created'], previous_version: null } });
    expect(built).toMatchObject({ version: 2, lifecycle_state: 'built', delta: { previous_version: 1 } });
    expect(built.delta?.changed).toEqual(expect.arrayContaining(['lifecycle_state', 'ledger']));
    expect(built.heartbeat).toEqual({ sequence: 2, emitted_at: built.updated_at });

    // The same artifact again (a replay): nothing about the server changed, so no version and no delta.
    const before = deltasOf(server.id).length;
    const at = new Date().toISOString();
    const replay = await h.publishFromPolicy('artifact.recorded', {
      id: artifact,
      server_id: server.id,
      build_id: null,
      source_repo: 'https://example.com/acme/router.git',
      source_branch: 'main',
      source_revision: null,
      local_image: 'router:local',
      registry_image: 'registry.example.com/router:1',
      manifest_tag: '1',
      manifest_digest: digest,
      started_at: at,
      completed_at: (await row(server.id, () => true, 'row')).ledger!.latest_completed_at!,
      multi_arch: false,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'healthy',
      status: 'succeeded',
      platforms: [],
    });
    await h.waitForInbox(replay);
    // A later change still gets the very next version, which proves none was spent on the replay.
    await catalog(server, digest, 'gold:Router');
    await waitFor(() => (deltasOf(server.id).length > before ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the next delta',
    });
    expect(deltasOf(server.id)[before]).toMatchObject({ version: 3, marketplace_readiness: 'ready' });
  });

  it('Lifecycle resume: a lifecycle watch that reconnects from its last stream position loses nothing while servers change', async () => {
    const kafka = h.service.app.get(KafkaConnection);
    const seen = new Map<string, number[]>();
    const onRecords = (_partition: number, records: TopicRecord[]) => {
      for (const r of records) {
        if (!r.value) continue;
        const parsed = lifecycleSnapshotSchema.safeParse(JSON.parse(r.value.toString('utf8')));
        if (!parsed.success) continue;
        const versions = seen.get(parsed.data.server_id) ?? [];
        versions.push(parsed.data.version);
        seen.set(parsed.data.server_id, versions);
      }
    };
    const owner = unique('resume');
    const servers: Server[] = [];
    for (let i = 0; i < 3; i += 1) {
      const s = await register(owner);
      owners.set(s.id, owner);
      servers.push(s);
    }
    await waitFor(async () => ((await list(`?owner_id=${owner}`)).items.length === 3 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'three rows',
    });
    // The watch opens at the stream's end, sees the first wave, then drops.
    let reader = await TopicReader.open(kafka, {
      topic: TOPICS.lifecycleSnapshots.name,
      from: 'latest',
      onRecords,
    });
    const waveOne = servers.map(() => newDigest());
    for (const [i, s] of servers.entries()) await build(s.id, waveOne[i]);
    await waitFor(() => (servers.every((s) => (seen.get(s.id) ?? []).includes(2)) ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the first wave',
    });
    // What the gateway encodes into each event id: the next position on every partition.
    const lastSeen = reader.positions();
    await reader.close();

    // While it is away, every server changes twice more.
    for (const [i, s] of servers.entries()) {
      await p.activate(await p.track(), waveOne[i], 'dev');
      await catalog(s, waveOne[i], 'gold:Router');
    }
    const finals = await Promise.all(
      servers.map((s) =>
        row(
          s.id,
          (r) => r.lifecycle_state === 'active' && r.marketplace_readiness === 'ready',
          'changed while away',
        ),
      ),
    );

    // It comes back from the position it last saw and catches up to each server's current version, gap-free.
    reader = await TopicReader.open(kafka, {
      topic: TOPICS.lifecycleSnapshots.name,
      from: lastSeen,
      onRecords,
    });
    try {
      await waitFor(
        () => (finals.every((f) => (seen.get(f.server_id) ?? []).includes(f.version)) ? true : undefined),
        { timeoutMs: 20_000, what: 'the resumed watch to catch up' },
      );
    } finally {
      await reader.close();
    }
    for (const f of finals) {
      const versions = seen.get(f.server_id)!;
      const from = versions[0];
      expect(versions).toEqual(Array.from({ length: f.version - from + 1 }, (_, k) => from + k));
    }
  });
});

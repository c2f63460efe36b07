// The gating matrix end to end on one standalone host: certification (none, pending, failed, expired, pass) ×
// promotion (none, scheduled, rolled back, active) × governance run (none, running, failed, succeeded), each
// combination made through the real services' APIs (the marketplace's evaluations, governance's workflows, runs,
// tracks and promotions) and checked on `POST /api/servers/:id/start` through the gateway. The one event injected is
// `artifact.recorded`, as the build-service would publish it after a build (a real build needs Podman).
//
// How each promotion × run pair is reached. The policy engine gates on the latest run for the tier and digest (any
// run, not only a promotion's) and on the digest's promotion at the tier, so a run started on the digest and a
// promotion on a track without a workflow are independent facts, and all 16 pairs are reachable:
//
// | promotion   | how                                                                                       |
// | ----------- | ----------------------------------------------------------------------------------------- |
// | none        | no track                                                                                   |
// | scheduled   | a track whose stage needs one approval, never given                                        |
// | rolled_back | a track with no approvals: an older digest is promoted, then ours (superseding it), then   |
// |             | the stage is rolled back (ours is rolled_back, the older one active again); with run failed  |
// |             | instead: a track with a workflow, whose linked run fails (the promotion follows its run)   |
// | active      | a track with no approvals and no workflow (active at once); with run succeeded instead: a |
// |             | track with a workflow, whose linked run succeeds (the promotion follows its run)           |
//
// | run       | how                                                                                             |
// | --------- | ----------------------------------------------------------------------------------------------- |
// | none      | no run on the digest                                                                            |
// | running   | a run of a one-step workflow on the digest at gold, moved to in_progress                        |
// | failed    | that run moved in_progress → failed (or the promotion's linked run, for rolled back)            |
// | succeeded | in_progress, its step in_progress → succeeded, then the run succeeded (or the linked run)       |
//
// Combinations a promotion's own run cannot give (it is `pending` while the promotion is scheduled, the promotion is
// `in_progress` while it runs, active only when it succeeded, rolled back when it failed) are reached with a separate
// run, as an operator re-running a workflow on the digest would. So all 80 combinations are tested; none is
// unreachable.
//
// The policy engine projects these facts from five topics, so there is no order to wait on. Before the checked start,
// the test waits until what the engine would decide is observable through the API: a twin server (its own artifact
// of the same digest, so the same certification, run and promotion facts) is started at gold until its gate notes are
// the expected ones, and the server itself is started at silver (a tier nothing is certified or promoted for, so it is
// always held and never launches) until its decision shows its artifact and its marketplace grade; each held probe is
// stopped again. Only then is the server started at gold, once, and that decision is the one checked.
//
// Launches: MCP_HOST_LOCAL_ENGINE=false starts no Podman, and with no executor a start that passes every gate ends
// `error` (no_engine). The host runs with its own engine (Podman's API socket and a registry under its data dir), and
// the all-pass combination's artifact is a real image (a tiny MCP server on the offline base image) pushed to that
// registry, so its launch is real: the orchestrator runs the container, its MCP health check passes and the server
// is `running`. Every other combination's artifact names a digest no registry holds, which is fine: it never launches.
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventPayload } from '@mcp-host/contracts';
import { publishTestEvent, waitFor } from '@mcp-host/platform/testing';
import { cleanEnv, runCli, type CliProcess } from './cli-process';
import { podmanOn, pushTinyMcpImage } from './host-engine';
import { callGateway, type Answer } from './gateway-client';

jest.setTimeout(240_000);

const CERTS = ['none', 'pending', 'failed', 'expired', 'pass'] as const;
const PROMOTIONS = ['none', 'scheduled', 'rolled_back', 'active'] as const;
const RUNS = ['none', 'running', 'failed', 'succeeded'] as const;
type Cert = (typeof CERTS)[number];
type Promo = (typeof PROMOTIONS)[number];
type Run = (typeof RUNS)[number];

const SERVER_TYPE = 'Router';
const REQUIREMENT = 'security-scan';

let registry = '';
let dataDir = '';
let host: CliProcess;
let dir: string;
let url: string;
let token: string;
let brokers: string[];
let workflowId: string;

const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> =>
  callGateway<T>(url, token, method, path, body);

/** A call that must succeed; anything else fails the test with the answer. */
async function ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await api<T>(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A call that needs another service's projection first (the ledger artifact): retried while it answers 404. */
function once404Clears<T>(method: string, path: string, body: unknown, what: string): Promise<T> {
  return waitFor(
    async () => {
      const r = await api<T>(method, path, body);
      if (r.status === 404) return undefined;
      if (r.status >= 300)
        throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    { timeoutMs: 90_000, intervalMs: 250, what },
  );
}

const hex = (n: number) => randomBytes(n).toString('hex');

function artifact(serverId: string, digest: string): EventPayload<'artifact.recorded'> {
  const image = `${registry}/mcp/${serverId}:v1`;
  return {
    id: randomUUID(),
    server_id: serverId,
    build_id: randomUUID(),
    source_repo: 'https://git.example/acme/router.git',
    source_branch: 'main',
    source_revision: hex(20),
    local_image: `mcp-host/${serverId}:local`,
    registry_image: image,
    manifest_tag: 'v1',
    manifest_digest: digest,
    started_at: new Date(Date.now() - 120_000).toISOString(),
    completed_at: new Date(Date.now() - 60_000).toISOString(),
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'unconfigured',
    status: 'succeeded',
    // One platform with its digest, so the marketplace grades the build itself clean (`gold` before certifications).
    platforms: [
      {
        platform: 'linux/amd64',
        remote_image: image,
        digest,
        auth_refresh_attempted: false,
        auth_refresh_succeeded: false,
        auth_rotation_attempted: false,
        auth_rotation_succeeded: false,
        credential_health_status: 'unconfigured',
      },
    ],
  };
}

/** Runs `fn` over `items` with at most `n` at a time (the 2-core host answers a burst of 80 setups with 503s). */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

interface Made {
  cert: Cert;
  promo: Promo;
  run: Run;
  serverId: string;
  twinId: string;
  artifactId: string;
  digest: string;
  runId: string;
  promotionId: string;
}

async function register(name: string): Promise<string> {
  const s = await ok<{ id: string }>('POST', '/api/servers', {
    name,
    server_type: SERVER_TYPE,
    tier: 'gold',
  });
  return s.id;
}

async function transition(runId: string, status: string, step?: number): Promise<void> {
  await ok('POST', `/api/governance/runs/${runId}/status`, {
    status,
    ...(step === undefined ? {} : { step_position: step }),
  });
}

/** Drives a run (pending) to the matrix's state: running is in_progress; succeeded passes its one step first. */
async function driveRun(runId: string, to: Exclude<Run, 'none'>): Promise<void> {
  await transition(runId, 'in_progress');
  if (to === 'failed') await transition(runId, 'failed');
  if (to === 'succeeded') {
    await transition(runId, 'in_progress', 0);
    await transition(runId, 'succeeded', 0);
    await transition(runId, 'succeeded');
  }
}

async function arrange(cert: Cert, promo: Promo, run: Run): Promise<Made> {
  const name = `g-${cert}-${promo}-${run}-${hex(3)}`.replace(/_/g, '-');
  const [serverId, twinId] = await Promise.all([register(name), register(`${name}-twin`)]);
  let digest = `sha256:${hex(32)}`;
  if (cert === 'pass' && promo === 'active' && run === 'succeeded') {
    // The one combination that launches gets a real image in the host's registry (the twin's repository too: the
    // twin passes the same gates and launches while the test waits for the facts).
    const pushed = pushTinyMcpImage(dataDir, registry, serverId);
    const twin = pushTinyMcpImage(dataDir, registry, twinId);
    if (twin.digest !== pushed.digest)
      throw new Error(`one image, two digests: ${pushed.digest} ${twin.digest}`);
    digest = pushed.digest;
  }
  const recorded = artifact(serverId, digest);
  await publishTestEvent(brokers, 'artifact.recorded', recorded);
  await publishTestEvent(brokers, 'artifact.recorded', artifact(twinId, digest));
  const artifactId = recorded.id;
  let runId = '';
  let promotionId = '';

  // The promotion first, to its final state: a rollback passes through `active`, and no state on the way is all-pass
  // together with the run and certification, because those come after it.
  const linked = (promo === 'active' && run === 'succeeded') || (promo === 'rolled_back' && run === 'failed');
  if (promo !== 'none') {
    const track = await ok<{ id: string }>('POST', '/api/promotions/tracks', {
      name: `${name}-track`,
      stages: ['prod'],
      stage_tiers: { prod: 'gold' },
      ...(linked ? { workflow_id: workflowId } : {}),
      ...(promo === 'scheduled' ? { stage_approvals: { prod: { required: 1 } } } : {}),
    });
    const schedule = (d: string, artifactRunId: string) =>
      once404Clears<{ id: string; status: string; governance_run_id: string | null }>(
        'POST',
        '/api/promotions/schedule',
        { track_id: track.id, manifest_digest: d, stage: 'prod', artifact_run_id: artifactRunId },
        'the digest in governance’s ledger',
      );
    if (promo === 'rolled_back' && !linked) {
      // An older good digest (another server's build), so the stage has something to roll back to.
      const older = `sha256:${hex(32)}`;
      const olderRun = artifact(randomUUID(), older);
      await publishTestEvent(brokers, 'artifact.recorded', olderRun);
      expect((await schedule(older, olderRun.id)).status).toBe('active');
    }
    const scheduled = await schedule(digest, artifactId);
    promotionId = scheduled.id;
    if (linked) {
      runId = scheduled.governance_run_id!;
      await driveRun(runId, run as 'succeeded' | 'failed');
    } else if (promo === 'rolled_back') {
      expect(scheduled.status).toBe('active');
      await ok('POST', '/api/promotions/rollback', { track_id: track.id, stage: 'prod', note: 'e2e' });
    }
    const final = await ok<{ status: string }>('GET', `/api/promotions/${promotionId}`);
    expect(final.status).toBe(promo);
  }

  if (run !== 'none' && !linked) {
    const started = await ok<{ id: string }>('POST', `/api/governance/workflows/${workflowId}/runs`, {
      manifest_digest: digest,
      artifact_run_id: artifactId,
      tier: 'gold',
    });
    runId = started.id;
    await driveRun(runId, run);
  }

  if (cert !== 'none') {
    const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const body = {
      tier: 'gold',
      policy_requirement: REQUIREMENT,
      status: cert === 'failed' ? 'fail' : cert === 'expired' ? 'pass' : cert,
      // Expired: a pass whose window closed a minute ago (the marketplace's sweep then announces the expiry).
      ...(cert === 'expired' ? { valid_from: at(-3600), valid_until: at(-60) } : {}),
      ...(cert === 'pass' ? { valid_until: at(3600) } : {}),
    };
    await once404Clears(
      'POST',
      `/api/artifacts/${artifactId}/evaluations`,
      body,
      'the artifact in the marketplace',
    );
  }
  return { cert, promo, run, serverId, twinId, artifactId, digest, runId, promotionId };
}

/** The marketplace's grade of the server's entry, from its certifications of the target tier (gold). */
function grade(cert: Cert): string {
  return { none: 'gold', pending: 'silver', failed: 'watchlist', expired: 'silver', pass: 'gold' }[cert];
}

/** The notes, flags and status of the gold start: the policy-engine matrix's expectation plus the marketplace grade. */
function expected(m: Made) {
  const { cert, promo, run } = m;
  const gates: string[] = [];
  const certState = {
    none: 'missing',
    pending: 'pending',
    failed: 'failed',
    expired: 'expired',
    pass: 'certified',
  }[cert];
  gates.push(`evaluation:${certState}:gold:${REQUIREMENT}`);
  if (run === 'succeeded') gates.push(`governance:completed:gold:${m.runId}`);
  else {
    gates.push(`governance:missing-promotion:gold:${m.digest}`);
    if (run === 'running') gates.push(`governance:run-in_progress:${m.runId}`);
    if (run === 'failed') gates.push(`governance:run-failed:${m.runId}`);
  }
  gates.push(
    promo === 'none' ? `promotion:none:gold:${m.digest}` : `promotion:${promo}:gold:${m.promotionId}`,
  );
  const image = promo === 'active' ? `image:promoted:${m.promotionId}` : `image:ledger:${m.artifactId}`;
  const notes = [image, `marketplace:tier:${grade(cert)}:${SERVER_TYPE}`, ...gates];
  const evaluation_required = cert !== 'pass';
  const governance_required = run !== 'succeeded' || promo !== 'active';
  const status = evaluation_required
    ? 'pending-evaluation'
    : governance_required
      ? 'pending-governance'
      : 'starting';
  return { gates, notes, evaluation_required, governance_required, status };
}

interface StartAnswer {
  status: string;
  decision: {
    policy_notes: string[];
    evaluation_required: boolean;
    governance_required: boolean;
    governance_run_id: string | null;
    manifest_digest: string | null;
    artifact_run_id: string | null;
    tier: string;
    executor_name: string | null;
  };
  server: { id: string; status: string };
}

/** A probe start; a held one is stopped again so that nothing it leaves behind is re-evaluated later. */
async function probe(serverId: string, tier: string): Promise<StartAnswer | undefined> {
  const r = await api<StartAnswer>('POST', `/api/servers/${serverId}/start`, { tier });
  if (r.status === 422) return undefined; // NO_IMAGE: the artifact is not projected yet
  if (r.status !== 202) throw new Error(`probe start answered ${r.status}: ${JSON.stringify(r.body)}`);
  if (r.body.status !== 'starting') await ok('POST', `/api/servers/${serverId}/stop`, { reason: 'probe' });
  return r.body;
}

const isGate = (n: string) => /^(evaluation|governance|promotion):/.test(n);

/** Waits until the policy engine decides on the combination's facts as they were made (see the header). */
async function settle(m: Made): Promise<void> {
  const want = expected(m);
  let twinLaunched = false;
  await waitFor(
    async () => {
      if (twinLaunched) return true;
      const d = await probe(m.twinId, 'gold');
      if (!d) return undefined;
      const gates = d.decision.policy_notes.filter(isGate);
      if (JSON.stringify(gates) !== JSON.stringify(want.gates)) return undefined;
      // The twin of the all-pass combination launches here; that is its own start, not the one under test.
      twinLaunched = d.status === 'starting';
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `the gate facts of ${m.cert}/${m.promo}/${m.run}` },
  );
  let last: string[] = [];
  await waitFor(
    async () => {
      const d = await probe(m.serverId, 'silver');
      if (!d) return undefined;
      last = d.decision.policy_notes;
      return (
        last.includes(`image:ledger:${m.artifactId}`) &&
        last.includes(`marketplace:tier:${grade(m.cert)}:${SERVER_TYPE}`)
      );
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `the artifact and grade of ${m.cert}/${m.promo}/${m.run}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; the last silver decision noted ${last.join(' ')}`);
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'mcp-host-gating-'));
  dataDir = join(dir, 'data');
  const env = cleanEnv({
    // Gold needs a security scan (the policy engine's own setting); the marketplace is given no requirements, so
    // it creates no pending certification on its own and "none" stays reachable.
    RUNTIME_TIER_REQUIREMENTS: `gold=${REQUIREMENT}`,
    EVALUATION_EXPIRY_SWEEP_MS: '500',
  });
  // The host's own engine and registry, not one from the caller's environment.
  for (const k of ['MCP_HOST_LOCAL_ENGINE', 'DOCKER_HOST', 'REGISTRY_URL']) delete env[k];
  host = runCli(['start', '--data-dir', dataDir, '--port', '0'], env);
  const [, engineRegistry] = await host.waitForOutput(/registry\s+(127\.0\.0\.1:\d+)/, 120_000);
  registry = engineRegistry;
  const [, gateway] = await host.waitForOutput(/gateway\s+(http:\/\/\S+)/, 120_000);
  const [, kafka] = await host.waitForOutput(/kafka\s+(\S+)/, 1_000);
  url = gateway;
  brokers = kafka.split(',');
  token = (await fs.readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
  await waitFor(async () => (await api<{ status: string }>('GET', '/api/status')).body.status === 'ready', {
    timeoutMs: 60_000,
    what: 'every service ready',
  });
  const workflow = await ok<{ id: string }>('POST', '/api/governance/workflows', {
    name: `gating-e2e-${hex(3)}`,
    tier: 'gold',
    steps: [{ name: 'check' }],
  });
  workflowId = workflow.id;
});

afterAll(async () => {
  if (host && host.child.exitCode === null) {
    host.child.kill('SIGINT');
    await host.exited;
  }
  // The host stops its Podman service, not the containers its runtime launched.
  if (dataDir) podmanOn(dataDir, ['rm', '--all', '--force', '--time', '0']);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the gating matrix on the standalone host', () => {
  it('when each of the 80 combinations is made through the services and its server is started at gold, then the decision carries exactly its notes and flags, and only the all-pass combination launches', async () => {
    const combos: [Cert, Promo, Run][] = [];
    for (const c of CERTS) for (const p of PROMOTIONS) for (const r of RUNS) combos.push([c, p, r]);

    const made = await pool(combos, 8, ([c, p, r]) => arrange(c, p, r));
    await pool(made, 8, settle);

    const answers = await pool(made, 8, async (m) => {
      const r = await api<StartAnswer>('POST', `/api/servers/${m.serverId}/start`, {});
      return { m, r };
    });

    const mismatches: string[] = [];
    for (const { m, r } of answers) {
      const want = expected(m);
      const got = {
        http: r.status,
        notes: r.body.decision?.policy_notes,
        evaluation_required: r.body.decision?.evaluation_required,
        governance_required: r.body.decision?.governance_required,
        status: r.body.status,
        server_status: r.body.server?.status,
        tier: r.body.decision?.tier,
        digest: r.body.decision?.manifest_digest,
        artifact: r.body.decision?.artifact_run_id,
        run: r.body.decision?.governance_run_id,
        executor: r.body.decision?.executor_name,
      };
      const wanted = {
        http: 202,
        notes: want.notes,
        evaluation_required: want.evaluation_required,
        governance_required: want.governance_required,
        status: want.status,
        server_status: want.status,
        tier: 'gold',
        digest: m.digest,
        artifact: m.artifactId,
        run: m.run === 'succeeded' ? m.runId : null,
        executor: 'docker-local',
      };
      if (JSON.stringify(got) !== JSON.stringify(wanted))
        mismatches.push(
          `${m.cert}/${m.promo}/${m.run}: got ${JSON.stringify(got)}, want ${JSON.stringify(wanted)}`,
        );
    }
    expect(mismatches).toEqual([]);

    // The launch reaches the engine only for the all-pass combination; every other server stays held.
    const launching = made.filter((m) => expected(m).status === 'starting');
    expect(launching.map((m) => [m.cert, m.promo, m.run])).toEqual([['pass', 'active', 'succeeded']]);
    const [allPass] = launching;
    // What the engine holds: every container the runtime created, with the server it runs.
    const containers = () =>
      (
        JSON.parse(podmanOn(dataDir, ['ps', '--all', '--format', 'json']).stdout || '[]') as {
          Image: string;
          Labels: Record<string, string> | null;
        }[]
      ).map((c) => ({ image: c.Image, server: c.Labels?.['org.mcp-host.server-id'] }));
    await waitFor(async () => containers().some((c) => c.server === allPass.serverId), {
      timeoutMs: 60_000,
      what: 'the container of the all-pass server',
    });
    const launchedServers = new Set(containers().map((c) => c.server));
    expect(made.filter((m) => launchedServers.has(m.serverId)).map((m) => m.serverId)).toEqual([
      allPass.serverId,
    ]);
    const container = containers().find((c) => c.server === allPass.serverId)!;
    expect(container.image).toBe(`${registry}/mcp/${allPass.serverId}@${allPass.digest}`);
    // The real server answers the runtime's MCP health check.
    await waitFor(
      async () =>
        (await ok<{ status: string }>('GET', `/api/servers/${allPass.serverId}`)).status === 'running',
      { timeoutMs: 90_000, what: 'the all-pass server running' },
    );
    for (const m of made.filter((x) => x !== allPass)) {
      const s = await ok<{ status: string }>('GET', `/api/servers/${m.serverId}`);
      expect([m.cert, m.promo, m.run, s.status]).toEqual([m.cert, m.promo, m.run, expected(m).status]);
    }
  });
});

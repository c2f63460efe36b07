// Remediation acts: a restart-server run, once approved in governance, has the policy engine restart the sample
// weather server's real Podman container (through the embedded broker both ways); the container id changes, the
// server answers MCP again, and the run's log and evidence artifacts are stored with the digests of their content.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS, type Server } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';

jest.setTimeout(300_000);

/** The policy engine's real-engine test support (Podman socket, loopback registry, sample image), loaded by path. */
interface LocalEngine {
  dockerHost: string;
  podman(args: string[]): string;
  stop(): Promise<void>;
}
interface LocalEngineSupport {
  startLocalEngine(): Promise<LocalEngine>;
  WEATHER_IMAGE: string;
}
const LOCAL_ENGINE = join(__dirname, '../../policy-engine/test/support/local-engine');

interface Run {
  id: string;
  status: string;
  version: number;
  failure_reason: string | null;
  executor_type: string;
}
interface Artifact {
  id: string;
  kind: string;
  digest: string;
  size_bytes: number;
  metadata: Record<string, unknown>;
}

let engine: LocalEngine;
let h: Harness;
let events: EventCollector;
const instance = `r${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const support = (await import(LOCAL_ENGINE)) as LocalEngineSupport;
  engine = await support.startLocalEngine();
  h = await startHarness('governance_remediation_restart', (env) => GovernanceModule.forRoot({ env }), {
    DOCKER_HOST: engine.dockerHost,
    RUNTIME_INSTANCE: instance,
    RUNTIME_DOCKER_NETWORK: `mcp-test-${instance}`,
    RUNTIME_HEALTH_INTERVAL_MS: '2000',
    RUNTIME_RESTART_BACKOFF_MS: '100',
    RUNTIME_DEFAULT_IMAGES: `*=${support.WEATHER_IMAGE}`,
  });
  events = await collectEvents(h.kafka.brokers, TOPICS.remediation.name);
}, 300_000);

afterAll(async () => {
  await events?.stop();
  await h?.close();
  await engine?.stop();
});

async function call<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json', 'x-mcp-host-subject': 'oncall' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const containersOf = (serverId: string): { id: string; running: boolean }[] => {
  const ids = engine
    .podman(['ps', '-a', '-q', '--no-trunc', '--filter', `label=org.mcp-host.server-id=${serverId}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(engine.podman(['inspect', ...ids])) as {
    Id: string;
    State: { Running: boolean };
  }[];
  return inspected.map((c) => ({ id: c.Id, running: c.State.Running }));
};

/** MCP initialize over streamable HTTP on the container's published port: the server's name from its answer. */
async function mcpServerName(containerId: string): Promise<string | undefined> {
  const hostPort = engine.podman(['port', containerId, '8080/tcp']).trim().split('\n')[0].split(':').pop();
  const res = await fetch(`http://127.0.0.1:${hostPort}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-03-26',
        capabilities: {},
        clientInfo: { name: 'remediation-test', version: '1.0.0' },
      },
    }),
  });
  const text = await res.text();
  // JSON, or one SSE `data:` line carrying the JSON-RPC answer.
  const json = text.trimStart().startsWith('{')
    ? text
    : (text
        .split('\n')
        .find((l) => l.startsWith('data:'))
        ?.slice(5) ?? '{}');
  return (JSON.parse(json) as { result?: { serverInfo?: { name?: string } } }).result?.serverInfo?.name;
}

describe('restart-server remediation on a real engine', () => {
  it('when an approved restart-server run acts, then the Podman container is replaced, MCP answers again, and log and evidence artifacts are stored', async () => {
    const server = await h.registerServer({ name: 'weather-remedy', server_type: 'Weather' });
    const statusOf = async () =>
      (await call<Server>(h.policyUrl, 'GET', `/api/servers/${server.id}`)).body.status;
    expect((await call(h.policyUrl, 'POST', `/api/servers/${server.id}/start`, { tier: 'dev' })).status).toBe(
      202,
    );
    await waitFor(async () => (await statusOf()) === 'running', { what: 'running', timeoutMs: 120_000 });
    const [before] = containersOf(server.id);
    expect(before.running).toBe(true);

    const enqueued = await call<Run>(h.url, 'POST', '/api/remediation/runs', {
      instance_id: randomUUID(),
      playbook: 'restart-server',
      payload: { server_id: server.id },
      metadata: { ticket: 'INC-42' },
    });
    expect(enqueued.status).toBe(201);
    expect(enqueued.body).toMatchObject({ status: 'awaiting_approval', executor_type: 'restart-server' });
    // Nothing acts before the approval.
    expect(containersOf(server.id).map((c) => c.id)).toEqual([before.id]);

    const approved = await call<Run>(h.url, 'POST', `/api/remediation/runs/${enqueued.body.id}/approve`, {
      approval_state: 'approved',
      version: enqueued.body.version,
    });
    expect(approved.body.status).toBe('running');

    const done = await waitFor(
      async () => {
        const run = (await call<Run>(h.url, 'GET', `/api/remediation/runs/${enqueued.body.id}`)).body;
        return ['succeeded', 'failed'].includes(run.status) && run;
      },
      { what: 'the run to finish', timeoutMs: 180_000 },
    );
    expect(done).toMatchObject({ status: 'succeeded', failure_reason: null });

    // The container id changed, the old one is gone, and the new one answers MCP.
    const after = containersOf(server.id);
    expect(after).toHaveLength(1);
    expect(after[0].id).not.toBe(before.id);
    expect(after[0].running).toBe(true);
    expect(await statusOf()).toBe('running');
    expect(await mcpServerName(after[0].id)).toBe('weather-server');

    // Artifacts: the request's log and evidence, then the answer's log and evidence, each with its content's digest.
    const artifacts = (
      await call<{ items: Artifact[] }>(h.url, 'GET', `/api/remediation/runs/${enqueued.body.id}/artifacts`)
    ).body.items;
    expect(artifacts.map((a) => a.kind)).toEqual(['log', 'evidence', 'log', 'evidence']);
    const stored = (await h.serviceDb.query(
      'SELECT id, content FROM remediation_artifacts WHERE run_id = $1',
      [enqueued.body.id],
    )) as { id: string; content: Buffer }[];
    for (const a of artifacts) {
      const content = stored.find((s) => s.id === a.id)!.content;
      expect(a.digest).toBe(`sha256:${createHash('sha256').update(content).digest('hex')}`);
      expect(a.size_bytes).toBe(content.length);
    }
    const evidence = JSON.parse(stored.find((s) => s.id === artifacts[3].id)!.content.toString()) as Record<
      string,
      unknown
    >;
    expect(evidence).toMatchObject({
      actor: 'policy-engine',
      outcome: 'succeeded',
      server_id: server.id,
      old_container_id: before.id,
      new_container_id: after[0].id,
      health: 'running',
    });
    const log = stored.find((s) => s.id === artifacts[2].id)!.content.toString();
    expect(log).toContain(`instance ${before.id.slice(0, 12)} replaced by ${after[0].id.slice(0, 12)}`);

    // The stream saw the answer, its log lines (numbered after the request's) and the run's move to succeeded.
    const ofRun = () => events.events.filter((e) => e.payload.run_id === enqueued.body.id);
    await waitFor(() =>
      ofRun().some((e) => e.type === 'remediation.run.status_changed' && e.payload.to_status === 'succeeded'),
    );
    const completed = ofRun().filter((e) => e.type === 'remediation.action.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0].payload).toMatchObject({ outcome: 'succeeded', executor_type: 'restart-server' });
    const sequences = ofRun()
      .filter((e) => e.type === 'remediation.run.log')
      .map((e) => e.payload.sequence as number);
    expect(sequences).toEqual([...sequences.keys()]);
    expect(sequences.length).toBeGreaterThanOrEqual(3);
  });

  it('when the server to restart does not exist, then the run fails with the reason and evidence', async () => {
    const missing = randomUUID();
    const enqueued = await call<Run>(h.url, 'POST', '/api/remediation/runs', {
      instance_id: randomUUID(),
      playbook: 'restart-server',
      payload: { server_id: missing },
    });
    await call(h.url, 'POST', `/api/remediation/runs/${enqueued.body.id}/approve`, {
      approval_state: 'approved',
      version: enqueued.body.version,
    });
    const done = await waitFor(
      async () => {
        const run = (await call<Run>(h.url, 'GET', `/api/remediation/runs/${enqueued.body.id}`)).body;
        return run.status !== 'running' && run.status !== 'awaiting_approval' && run;
      },
      { what: 'the run to finish', timeoutMs: 60_000 },
    );
    expect(done.status).toBe('failed');
    expect(done.failure_reason).toContain(`no server ${missing}`);
  });
});

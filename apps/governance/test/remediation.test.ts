// Remediation on real Postgres and the embedded broker: playbooks from configuration, runs enqueued, approved or
// rejected with their version, executors acting through the trust registry's guard and through events, artifacts
// with digests, and SLA breaches marked with an event.
import { randomUUID } from 'node:crypto';
import { TOPICS } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import { TrustService } from '../src/trust/trust.service';

let h: Harness;
let events: EventCollector;

interface Run {
  id: string;
  instance_id: string;
  status: string;
  approval_state: string;
  approver: string | null;
  version: number;
  sla_breached: boolean;
  failure_reason: string | null;
}
type Body = Run & {
  items: (Run & {
    name: string;
    executor_type: string;
    requires_approval: boolean;
    sla_seconds: number;
    kind: string;
    digest: string;
    size_bytes: number;
  })[];
  lifecycle_state: string;
  status: string;
  remediation_state: string | null;
  error: { code: string; message: string };
};

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function seedInstance(lifecycle = 'running', status = 'verified'): Promise<string> {
  const id = randomUUID();
  await h.service.app.get(Transactions).run((m) =>
    h.service.app.get(TrustService).applyVmEvent(m, {
      event_id: randomUUID(),
      vm_instance_id: id,
      server_id: randomUUID(),
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

const PLAYBOOKS = [
  {
    name: 'quarantine',
    executor_type: 'quarantine-instance',
    requires_approval: false,
    sla_seconds: 300,
    parameters: { reason: 'string' },
  },
  {
    name: 'restart',
    executor_type: 'restart-server',
    requires_approval: true,
    sla_seconds: 600,
    parameters: { server_id: 'uuid' },
  },
  {
    name: 'restart-urgent',
    executor_type: 'restart-server',
    requires_approval: true,
    sla_seconds: 1,
    parameters: {},
  },
];

beforeAll(async () => {
  h = await startHarness('governance_remediation', (env) => GovernanceModule.forRoot({ env }), {
    REMEDIATION_PLAYBOOKS: JSON.stringify(PLAYBOOKS),
    REMEDIATION_SLA_SWEEP_MS: '200',
  });
  events = await collectEvents(h.kafka.brokers, TOPICS.remediation.name);
}, 120_000);

afterAll(async () => {
  await events?.stop();
  await h?.close();
});

describe('remediation playbooks', () => {
  it('when playbooks are configured, then they are listed with executor, approval, SLA and parameters', async () => {
    const res = await call('GET', '/api/remediation/playbooks');
    expect(res.status).toBe(200);
    expect(res.body.items.map((p) => [p.name, p.executor_type, p.requires_approval, p.sla_seconds])).toEqual([
      ['quarantine', 'quarantine-instance', false, 300],
      ['restart', 'restart-server', true, 600],
      ['restart-urgent', 'restart-server', true, 1],
    ]);
  });
});

describe('remediation runs', () => {
  it('when a quarantine run is enqueued, then it moves the instance through the trust guard and stores log and evidence with digests', async () => {
    const instance = await seedInstance();
    const run = await call(
      'POST',
      '/api/remediation/runs',
      { instance_id: instance, playbook: 'quarantine', payload: { reason: 'tcb advisory' }, owner: 'oncall' },
      { 'x-mcp-host-subject': 'alice' },
    );
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ status: 'succeeded', approval_state: 'not_required' });

    const trust = await call('GET', `/api/trust/registry/${instance}`);
    expect(trust.body).toMatchObject({
      lifecycle_state: 'quarantined',
      status: 'revoked',
      remediation_state: 'quarantined',
    });

    const artifacts = await call('GET', `/api/remediation/runs/${run.body.id}/artifacts`);
    expect(artifacts.body.items.map((a) => a.kind)).toEqual(['log', 'evidence']);
    for (const a of artifacts.body.items) {
      expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(a.size_bytes).toBeGreaterThan(0);
    }
    await waitFor(() =>
      events.events.find(
        (e) =>
          e.type === 'remediation.run.status_changed' &&
          e.payload.run_id === run.body.id &&
          e.payload.to_status === 'succeeded',
      ),
    );
  });

  it('when the trust guard refuses the quarantine, then the run fails with the reason and the instance is unchanged', async () => {
    const instance = await seedInstance('rejected', 'failed');
    const run = await call('POST', '/api/remediation/runs', {
      instance_id: instance,
      playbook: 'quarantine',
    });
    expect(run.body.status).toBe('failed');
    expect(run.body.failure_reason).toContain('cannot move');
    expect((await call('GET', `/api/trust/registry/${instance}`)).body.lifecycle_state).toBe('rejected');
  });

  it('when a restart run is approved with its version, then it runs and publishes the request with executor and server', async () => {
    const server = randomUUID();
    const run = await call('POST', '/api/remediation/runs', {
      instance_id: await seedInstance(),
      playbook: 'restart',
      payload: { server_id: server },
    });
    expect(run.body).toMatchObject({ status: 'awaiting_approval', approval_state: 'pending', version: 1 });

    const stale = await call('POST', `/api/remediation/runs/${run.body.id}/approve`, {
      approval_state: 'approved',
      version: 7,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');

    const approved = await call(
      'POST',
      `/api/remediation/runs/${run.body.id}/approve`,
      { approval_state: 'approved', version: 1, notes: 'go' },
      { 'x-mcp-host-subject': 'bob' },
    );
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'running', approval_state: 'approved', approver: 'bob' });
    const request = await waitFor(() =>
      events.events.find(
        (e) =>
          e.type === 'remediation.run.status_changed' &&
          e.payload.run_id === run.body.id &&
          e.payload.to_status === 'running',
      ),
    );
    expect(request.payload).toMatchObject({
      executor_type: 'restart-server',
      payload: { server_id: server },
    });
    // The policy engine answers: no such server, so the run fails with its reason, and the answer's log and
    // evidence join the request's.
    const failed = await waitFor(async () => {
      const got = await call('GET', `/api/remediation/runs/${run.body.id}`);
      return got.body.status === 'failed' && got.body;
    });
    expect(failed.failure_reason).toContain(`no server ${server}`);
    expect(
      (await call('GET', `/api/remediation/runs/${run.body.id}/artifacts`)).body.items.map((a) => a.kind),
    ).toEqual(['log', 'evidence', 'log', 'evidence']);
  });

  it('when a run is rejected, then it is cancelled and a later approval gets 409', async () => {
    const run = await call('POST', '/api/remediation/runs', {
      instance_id: await seedInstance(),
      playbook: 'restart',
      payload: { server_id: randomUUID() },
    });
    const rejected = await call('POST', `/api/remediation/runs/${run.body.id}/approve`, {
      approval_state: 'rejected',
      version: 1,
    });
    expect(rejected.body).toMatchObject({ status: 'cancelled', approval_state: 'rejected' });
    const late = await call('POST', `/api/remediation/runs/${run.body.id}/approve`, {
      approval_state: 'approved',
      version: rejected.body.version,
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('NOT_AWAITING_APPROVAL');
  });

  it('when 50 approvals race on one version, then exactly one succeeds, the rest get 409 within 5 s, and the API answers after', async () => {
    const run = await call('POST', '/api/remediation/runs', {
      instance_id: await seedInstance(),
      playbook: 'restart',
      payload: { server_id: randomUUID() },
    });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('POST', `/api/remediation/runs/${run.body.id}/approve`, {
          approval_state: 'approved',
          version: 1,
        }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    expect(results.find((r) => r.status === 200)!.body.status).toBe('running');
    expect((await call('GET', `/api/remediation/runs/${run.body.id}`)).status).toBe(200);
  });

  it('when a run outlives its SLA, then it is marked breached once and an event says so', async () => {
    const run = await call('POST', '/api/remediation/runs', {
      instance_id: await seedInstance(),
      playbook: 'restart-urgent',
      payload: { server_id: randomUUID() },
    });
    const breached = await waitFor(
      async () => {
        const got = await call('GET', `/api/remediation/runs/${run.body.id}`);
        return got.body.sla_breached && got.body;
      },
      { timeoutMs: 10_000 },
    );
    expect(breached.status).toBe('awaiting_approval');
    const marks = await waitFor(() => {
      const found = events.events.filter(
        (e) =>
          e.type === 'remediation.run.status_changed' &&
          e.payload.run_id === run.body.id &&
          e.payload.reason === 'sla_breached',
      );
      return found.length > 0 && found;
    });
    expect(marks[0].payload.sla_breached).toBe(true);
  });

  it('when runs are listed by instance and status, then only matching runs come back', async () => {
    const instance = await seedInstance();
    await call('POST', '/api/remediation/runs', { instance_id: instance, playbook: 'quarantine' });
    await call('POST', '/api/remediation/runs', {
      instance_id: instance,
      playbook: 'restart',
      payload: { server_id: randomUUID() },
    });
    const all = await call('GET', `/api/remediation/runs?instance_id=${instance}`);
    expect(all.body.items).toHaveLength(2);
    const waiting = await call(
      'GET',
      `/api/remediation/runs?instance_id=${instance}&status=awaiting_approval`,
    );
    expect(waiting.body.items.map((r) => r.status)).toEqual(['awaiting_approval']);
  });

  it('when input is wrong, then 404 and 400 with codes', async () => {
    const instance = await seedInstance();
    const unknown = await call('POST', '/api/remediation/runs', { instance_id: instance, playbook: 'nope' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'PLAYBOOK_NOT_FOUND']);
    const noServer = await call('POST', '/api/remediation/runs', {
      instance_id: instance,
      playbook: 'restart',
    });
    expect([noServer.status, noServer.body.error.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(
      (await call('POST', '/api/remediation/runs', { instance_id: 'x', playbook: 'quarantine' })).status,
    ).toBe(400);
    expect((await call('GET', '/api/remediation/runs?status=sleeping')).status).toBe(400);
    const missing = await call('GET', `/api/remediation/runs/${randomUUID()}`);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'REMEDIATION_RUN_NOT_FOUND']);
    expect(
      (
        await call('POST', `/api/remediation/runs/${randomUUID()}/approve`, {
          approval_state: 'maybe',
          version: 1,
        })
      ).status,
    ).toBe(400);
  });
});

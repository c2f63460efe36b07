// The trust registry on real Postgres and the embedded broker: VM events from the policy engine projected into one
// snapshot per instance, filters, history, guarded operator transitions (state machine, versions, races) and events.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { TOPICS, type EventPayload } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import { TrustService } from '../src/trust/trust.service';
import { allowedTransition, TRUST_LIFECYCLES, TRUST_STATUSES } from '../src/trust/trust-state-machine';

let h: Harness;
let events: EventCollector;

interface Entry {
  vm_instance_id: string;
  server_id: string;
  status: string;
  lifecycle_state: string;
  version: number;
  stale: boolean;
  remediation_state: string | null;
}
type Body = Entry & {
  items: (Entry & { actor: string | null; previous_lifecycle_state: string | null })[];
  next_cursor: string | null;
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

const vmEvent = (
  id: string,
  serverId: string,
  version: number,
  lifecycle: string,
  attestation_status: string,
  occurredAt = new Date(),
): EventPayload<'vm.instance.event_recorded'> => ({
  event_id: randomUUID(),
  vm_instance_id: id,
  server_id: serverId,
  event_type: lifecycle,
  attestation_status,
  isolation_tier: 'confidential-vm',
  fallback_reason: null,
  details: {},
  occurred_at: occurredAt.toISOString(),
  lifecycle,
  version,
});

/** Seeds a snapshot straight through the projection's code path, as the consumer would apply it. */
async function seed(lifecycle = 'running', status = 'verified', serverId = randomUUID()): Promise<string> {
  const id = randomUUID();
  await h.service.app
    .get(Transactions)
    .run((m) => h.service.app.get(TrustService).applyVmEvent(m, vmEvent(id, serverId, 1, lifecycle, status)));
  return id;
}

beforeAll(async () => {
  h = await startHarness('governance_trust', (env) => GovernanceModule.forRoot({ env }), {
    TRUST_STALE_AFTER_SECONDS: '600',
  });
  events = await collectEvents(h.kafka.brokers, TOPICS.trustRegistry.name);
}, 120_000);

afterAll(async () => {
  await events?.stop();
  await h?.close();
});

describe('trust registry projection', () => {
  it('when a VM goes provisioned → attesting → trusted → running, then one running snapshot with its history is kept and each move is published', async () => {
    const id = randomUUID();
    const server = randomUUID();
    const steps: [string, string][] = [
      ['provisioned', 'pending'],
      ['attesting', 'pending'],
      ['trusted', 'verified'],
      ['running', 'verified'],
    ];
    let last = '';
    for (const [i, [lifecycle, status]] of steps.entries()) {
      last = await h.publishFromPolicy(
        'vm.instance.event_recorded',
        vmEvent(id, server, i + 1, lifecycle, status),
      );
    }
    await h.waitForInbox(last);

    const got = await call('GET', `/api/trust/registry/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      lifecycle_state: 'running',
      status: 'verified',
      version: 4,
      stale: false,
    });
    const history = await call('GET', `/api/trust/registry/${id}/history?limit=10`);
    expect(history.body.items.map((i) => i.lifecycle_state)).toEqual([
      'running',
      'trusted',
      'attesting',
      'provisioned',
    ]);
    expect(history.body.items[0].actor).toBe('vm-executor');
    const published = await waitFor(() => {
      const mine = events.events.filter((e) => e.payload.vm_instance_id === id);
      return mine.length >= 4 && mine;
    });
    expect(published.map((e) => e.payload.version)).toEqual([1, 2, 3, 4]);
  });

  it('when an event is redelivered or an older one arrives, then the snapshot does not change', async () => {
    const id = randomUUID();
    const server = randomUUID();
    const first = vmEvent(id, server, 1, 'provisioned', 'pending');
    const eventId = await h.publishFromPolicy('vm.instance.event_recorded', first);
    await h.waitForInbox(eventId);
    const second = await h.publishFromPolicy(
      'vm.instance.event_recorded',
      vmEvent(id, server, 2, 'attesting', 'pending'),
    );
    await h.waitForInbox(second);
    // The same payload again under a new id (a replay) and an older version: both are ignored.
    const replay = await h.publishFromPolicy('vm.instance.event_recorded', first);
    await h.waitForInbox(replay);
    const older = await h.publishFromPolicy(
      'vm.instance.event_recorded',
      vmEvent(id, server, 1, 'retired', 'pending'),
    );
    await h.waitForInbox(older);

    const got = await call('GET', `/api/trust/registry/${id}`);
    expect(got.body).toMatchObject({ lifecycle_state: 'attesting', version: 2 });
  });

  it('when an executor event would skip the state machine, then the snapshot does not change', async () => {
    const id = await seed('quarantined', 'revoked');
    await h.service.app
      .get(Transactions)
      .run((m) =>
        h.service.app.get(TrustService).applyVmEvent(m, vmEvent(id, randomUUID(), 2, 'running', 'verified')),
      );
    expect((await call('GET', `/api/trust/registry/${id}`)).body.lifecycle_state).toBe('quarantined');
  });
});

describe('trust registry queries', () => {
  it('when filtered by server, lifecycle, status and staleness, then only matching snapshots are listed', async () => {
    const server = randomUUID();
    const fresh = await seed('running', 'verified', server);
    const rejected = await seed('rejected', 'failed', server);
    const oldId = randomUUID();
    await h.service.app
      .get(Transactions)
      .run((m) =>
        h.service.app
          .get(TrustService)
          .applyVmEvent(
            m,
            vmEvent(oldId, server, 1, 'running', 'verified', new Date(Date.now() - 3_600_000)),
          ),
      );

    const ids = async (q: string) =>
      (await call('GET', `/api/trust/registry?server_id=${server}${q}`)).body.items
        .map((i) => i.vm_instance_id)
        .sort();
    expect(await ids('')).toEqual([fresh, rejected, oldId].sort());
    expect(await ids('&lifecycle=rejected')).toEqual([rejected]);
    expect(await ids('&status=verified')).toEqual([fresh, oldId].sort());
    expect(await ids('&stale=true')).toEqual([oldId]);
    expect(await ids('&stale=false')).toEqual([fresh, rejected].sort());
  });

  it('when a page is limited, then next_cursor reaches the rest; a foreign cursor is a 400', async () => {
    const server = randomUUID();
    const all = [await seed('running', 'verified', server), await seed('running', 'verified', server)];
    const first = await call('GET', `/api/trust/registry?server_id=${server}&limit=1`);
    expect(first.body.items).toHaveLength(1);
    const second = await call(
      'GET',
      `/api/trust/registry?server_id=${server}&limit=1&cursor=${first.body.next_cursor}`,
    );
    expect([first.body.items[0].vm_instance_id, second.body.items[0].vm_instance_id].sort()).toEqual(
      all.sort(),
    );
    const bad = await call('GET', '/api/trust/registry?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_CURSOR');
  });

  it('when the instance is unknown or the query is malformed, then 404 and 400 with codes', async () => {
    const missing = await call('GET', `/api/trust/registry/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('TRUST_ENTRY_NOT_FOUND');
    expect((await call('GET', '/api/trust/registry/not-a-uuid')).status).toBe(400);
    expect((await call('GET', '/api/trust/registry?stale=maybe')).status).toBe(400);
  });
});

describe('trust registry transitions', () => {
  it('when an operator quarantines a running instance, then the snapshot moves, the history names the actor and the move is published', async () => {
    const id = await seed();
    const moved = await call(
      'POST',
      `/api/trust/registry/${id}/transition`,
      {
        status: 'revoked',
        lifecycle_state: 'quarantined',
        expected_version: 1,
        reason: 'key compromise',
        remediation_state: 'open',
      },
      { 'x-mcp-host-subject': 'alice@example.test' },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      lifecycle_state: 'quarantined',
      status: 'revoked',
      version: 2,
      remediation_state: 'open',
    });
    const history = await call('GET', `/api/trust/registry/${id}/history?limit=1`);
    expect(history.body.items[0]).toMatchObject({
      actor: 'alice@example.test',
      previous_lifecycle_state: 'running',
    });
    await waitFor(() =>
      events.events.find((e) => e.payload.vm_instance_id === id && e.payload.version === 2),
    );
  });

  it('when a move is not in the state machine, then 409 INVALID_TRANSITION and nothing changes', async () => {
    const id = await seed('rejected', 'failed');
    const res = await call('POST', `/api/trust/registry/${id}/transition`, {
      status: 'verified',
      lifecycle_state: 'running',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVALID_TRANSITION');
    expect((await call('GET', `/api/trust/registry/${id}`)).body.version).toBe(1);
  });

  it('when expected_version is stale, then 409 VERSION_CONFLICT naming the current version', async () => {
    const id = await seed();
    const res = await call('POST', `/api/trust/registry/${id}/transition`, {
      status: 'verified',
      lifecycle_state: 'quarantined',
      expected_version: 7,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('VERSION_CONFLICT');
    expect(res.body.error.message).toContain('version 1');
  });

  it('when the body is malformed, then 400 and nothing changes', async () => {
    const id = await seed();
    for (const body of [
      {},
      { status: 'verified' },
      { status: 'x', lifecycle_state: 'retired', expected_version: 0 },
    ]) {
      expect((await call('POST', `/api/trust/registry/${id}/transition`, body)).status).toBe(400);
    }
    expect((await call('GET', `/api/trust/registry/${id}`)).body.version).toBe(1);
  });

  it('when two transitions race on one version, then one wins and the other gets 409', async () => {
    const id = await seed();
    const results = await Promise.all(
      [
        { status: 'revoked', lifecycle_state: 'quarantined' },
        { status: 'verified', lifecycle_state: 'retired' },
      ].map((b) => call('POST', `/api/trust/registry/${id}/transition`, { ...b, expected_version: 1 })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('VERSION_CONFLICT');
  });

  it('when 50 transitions race on one version, then exactly one succeeds, the rest get 409 within 5 s, and the API answers after', async () => {
    const id = await seed();
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('POST', `/api/trust/registry/${id}/transition`, {
          status: 'revoked',
          lifecycle_state: 'quarantined',
          expected_version: 1,
        }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    expect((await call('GET', `/api/trust/registry/${id}`)).body.version).toBe(2);
  });

  it('when random transition sequences are submitted, then the registry only ever makes the moves the state machine allows', async () => {
    const move = fc.record({
      status: fc.constantFrom(...TRUST_STATUSES),
      lifecycle_state: fc.constantFrom(...TRUST_LIFECYCLES),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(move, { minLength: 1, maxLength: 8 }), async (moves) => {
        const id = await seed('provisioned', 'pending');
        let model = { lifecycle: 'provisioned', status: 'pending', version: 1 };
        for (const m of moves) {
          const res = await call('POST', `/api/trust/registry/${id}/transition`, {
            ...m,
            expected_version: model.version,
          });
          const allowed = allowedTransition(model.lifecycle, m.status, m.lifecycle_state);
          if (allowed) {
            expect(res.status).toBe(200);
            model = { lifecycle: m.lifecycle_state, status: m.status, version: model.version + 1 };
          } else {
            expect(res.status).toBe(409);
            expect(res.body.error.code).toBe('INVALID_TRANSITION');
          }
        }
        const got = (await call('GET', `/api/trust/registry/${id}`)).body;
        expect({ lifecycle: got.lifecycle_state, status: got.status, version: got.version }).toEqual(model);
        const history = (await call('GET', `/api/trust/registry/${id}/history?limit=200`)).body.items;
        for (const step of history) {
          if (step.previous_lifecycle_state !== null) {
            expect(allowedTransition(step.previous_lifecycle_state, step.status, step.lifecycle_state)).toBe(
              true,
            );
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});

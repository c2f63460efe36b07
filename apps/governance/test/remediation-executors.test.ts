// The remediation executors that act inside governance, on real Postgres and the embedded broker: webhook (a signed
// POST to a local receiver on 127.0.0.1, its retries and its refusals, never anything off the machine) and
// rollback-promotion (the promotions rollback of a track's stage, visible in the promotions API).
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOPICS } from '@mcp-host/contracts';
import { collectEvents, waitFor, type EventCollector } from '@mcp-host/platform/testing';
import { startHarness, type Harness } from '@mcp-host/policy-engine/testing';
import { GovernanceModule } from '../src';
import type { PromotionDetail } from '../src/promotions/promotion.dto';
import { newDigest, recordArtifact } from './support/api';
import { promotions } from './support/promotions';

const SECRET = 'remediation-webhook-test-secret';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
interface Run {
  id: string;
  status: string;
  version: number;
  failure_reason: string | null;
}
interface Artifact {
  id: string;
  kind: string;
  digest: string;
  metadata: Record<string, unknown>;
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let h: Harness;
let events: EventCollector;

beforeAll(async () => {
  // The receiver: /ok answers 200, /flaky 503 once then 200, /down always 500, /reject 400.
  let flaky = 0;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const status =
        req.url === '/ok'
          ? 200
          : req.url === '/flaky'
            ? flaky++ === 0
              ? 503
              : 200
            : req.url === '/reject'
              ? 400
              : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'no');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const webhook = (name: string, url: string) => ({
    name,
    executor_type: 'webhook',
    requires_approval: false,
    sla_seconds: 60,
    parameters: { url },
  });
  h = await startHarness('governance_remediation_exec', (env) => GovernanceModule.forRoot({ env }), {
    REMEDIATION_PLAYBOOKS: JSON.stringify([
      webhook('notify', `${receiverUrl}/ok`),
      webhook('notify-flaky', `${receiverUrl}/flaky`),
      webhook('notify-down', `${receiverUrl}/down`),
      webhook('notify-reject', `${receiverUrl}/reject`),
      // Same machine, but a host name that is not allowed: refused before any connection.
      webhook('notify-elsewhere', `http://localhost:${(receiver.address() as AddressInfo).port}/ok`),
      {
        name: 'rollback',
        executor_type: 'rollback-promotion',
        requires_approval: true,
        sla_seconds: 60,
        parameters: { track_id: 'uuid', stage: 'string' },
      },
    ]),
    REMEDIATION_WEBHOOK_SECRET: SECRET,
    REMEDIATION_WEBHOOK_ALLOW_PRIVATE: 'true',
    REMEDIATION_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    REMEDIATION_WEBHOOK_TIMEOUT_MS: '2000',
    REMEDIATION_WEBHOOK_RETRIES: '2',
    REMEDIATION_WEBHOOK_BACKOFF_MS: '20',
  });
  events = await collectEvents(h.kafka.brokers, TOPICS.remediation.name);
}, 120_000);

afterAll(async () => {
  await events?.stop();
  await h?.close();
  await new Promise((r) => receiver?.close(r));
});

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers:
      body === undefined
        ? {}
        : { 'content-type': 'application/json', 'x-mcp-host-subject': 'oncall@example.com' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function finished(runId: string): Promise<Run> {
  return waitFor(
    async () => {
      const run = (await call<Run>('GET', `/api/remediation/runs/${runId}`)).body;
      return ['succeeded', 'failed'].includes(run.status) && run;
    },
    { what: `run ${runId} to finish`, timeoutMs: 20_000 },
  );
}

async function evidenceOf(runId: string): Promise<Record<string, unknown>> {
  const artifacts = (await call<{ items: Artifact[] }>('GET', `/api/remediation/runs/${runId}/artifacts`))
    .body.items;
  expect(artifacts.map((a) => a.kind)).toEqual(['log', 'evidence', 'log', 'evidence']);
  const last = artifacts[3];
  const [row] = (await h.serviceDb.query('SELECT content FROM remediation_artifacts WHERE id = $1', [
    last.id,
  ])) as { content: Buffer }[];
  expect(last.digest).toBe(`sha256:${createHash('sha256').update(row.content).digest('hex')}`);
  return JSON.parse(row.content.toString()) as Record<string, unknown>;
}

const enqueue = (playbook: string, payload: Record<string, unknown> = {}) =>
  call<Run>('POST', '/api/remediation/runs', { instance_id: randomUUID(), playbook, payload });

describe('webhook remediation', () => {
  it('when a webhook run is enqueued, then the run is POSTed once with an HMAC-SHA256 signature of its body and succeeds with the response as evidence', async () => {
    const run = await enqueue('notify');
    expect(run.status).toBe(201);
    expect(run.body.status).toBe('running');
    const done = await finished(run.body.id);
    expect(done).toMatchObject({ status: 'succeeded', failure_reason: null });

    const mine = received.filter((r) => r.body.toString().includes(run.body.id));
    expect(mine).toHaveLength(1);
    const [req] = mine;
    expect(req.path).toBe('/ok');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-mcp-host-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`,
    );
    expect(req.headers['x-mcp-host-signature']).not.toBe(
      `sha256=${createHmac('sha256', 'another-secret').update(req.body).digest('hex')}`,
    );
    expect(req.headers['x-mcp-host-delivery']).toBe(`${run.body.id}:1`);
    const sent = JSON.parse(req.body.toString()) as { type: string; run: { id: string; playbook: string } };
    expect(sent).toMatchObject({ type: 'remediation.run', run: { id: run.body.id, playbook: 'notify' } });

    expect(await evidenceOf(run.body.id)).toMatchObject({
      url: `${receiverUrl}/ok`,
      status: 200,
      response_digest: `sha256:${createHash('sha256').update('thanks').digest('hex')}`,
      request_digest: `sha256:${createHash('sha256').update(req.body).digest('hex')}`,
      attempts: [{ attempt: 1, status: 200, error: null }],
    });
    await waitFor(() =>
      events.events.some(
        (e) =>
          e.type === 'remediation.run.status_changed' &&
          e.payload.run_id === run.body.id &&
          e.payload.to_status === 'succeeded',
      ),
    );
  });

  it('when the receiver fails once with 503, then the retry delivers and the run succeeds after two attempts', async () => {
    const run = await enqueue('notify-flaky');
    expect((await finished(run.body.id)).status).toBe('succeeded');
    expect(received.filter((r) => r.body.toString().includes(run.body.id))).toHaveLength(2);
    expect((await evidenceOf(run.body.id)).attempts).toEqual([
      { attempt: 1, status: 503, error: null },
      { attempt: 2, status: 200, error: null },
    ]);
  });

  it('when the receiver keeps answering 500, then the retries stop at the bound and the run fails with the status', async () => {
    const run = await enqueue('notify-down');
    const done = await finished(run.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure_reason).toContain('failed after 3 attempt(s): HTTP 500');
    expect(received.filter((r) => r.body.toString().includes(run.body.id))).toHaveLength(3);
    expect(await evidenceOf(run.body.id)).toMatchObject({ status: 500 });
  });

  it('when the receiver answers 400, then there is no retry and the run fails', async () => {
    const run = await enqueue('notify-reject');
    const done = await finished(run.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure_reason).toContain('HTTP 400');
    expect(received.filter((r) => r.body.toString().includes(run.body.id))).toHaveLength(1);
  });

  it('when the target host is not allowed, then nothing is sent and the run fails with the refusal', async () => {
    const before = received.length;
    const run = await enqueue('notify-elsewhere');
    const done = await finished(run.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure_reason).toContain('host localhost is not in REMEDIATION_WEBHOOK_ALLOWED_HOSTS');
    expect(received.length).toBe(before);
    expect((await evidenceOf(run.body.id)).attempts).toEqual([]);
  });
});

describe('rollback-promotion remediation', () => {
  it('when an approved rollback run acts, then the stage is rolled back to its last good digest in promotions and the run succeeds', async () => {
    const p = promotions(h);
    const t = await p.track();
    const good = newDigest();
    const bad = newDigest();
    await recordArtifact(h, good);
    await recordArtifact(h, bad);
    const first = await p.activate(t, good, 'dev');
    const second = await p.activate(t, bad, 'dev');

    const run = await enqueue('rollback', { track_id: t.id, stage: 'dev', note: 'error rate up' });
    expect(run.body.status).toBe('awaiting_approval');
    // Nothing moves before the approval.
    expect(await p.get(second.id)).toMatchObject({ status: 'active' });
    const approved = await call<Run>('POST', `/api/remediation/runs/${run.body.id}/approve`, {
      approval_state: 'approved',
      version: run.body.version,
    });
    expect(approved.body.status).toBe('running');
    expect(await finished(run.body.id)).toMatchObject({ status: 'succeeded' });

    expect(await p.get(second.id)).toMatchObject({ status: 'rolled_back' });
    expect(await p.get(first.id)).toMatchObject({ status: 'superseded' });
    const evidence = await evidenceOf(run.body.id);
    expect(evidence).toMatchObject({
      manifest_digest: good,
      rollback_of: second.id,
      track_id: t.id,
      stage: 'dev',
      status: 'active',
    });
    const rollback = await p.get(evidence.promotion_id as string);
    expect(rollback).toMatchObject<Partial<PromotionDetail>>({
      manifest_digest: good,
      rollback: true,
      rollback_of: second.id,
      status: 'active',
    });
    expect(rollback.scheduled_by).toBe('remediation:oncall@example.com');
  });

  it('when there is nothing to roll back, then the run fails with the promotions refusal', async () => {
    const p = promotions(h);
    const t = await p.track();
    const run = await enqueue('rollback', { track_id: t.id, stage: 'dev' });
    await call('POST', `/api/remediation/runs/${run.body.id}/approve`, {
      approval_state: 'approved',
      version: run.body.version,
    });
    const done = await finished(run.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure_reason).toContain('nothing to roll back');
    expect(await evidenceOf(run.body.id)).toMatchObject({ error: { code: 'NOTHING_ACTIVE' } });
  });

  it('when the payload has no track or stage, then the run is refused with 400', async () => {
    const res = await call<{ error: { code: string } }>('POST', '/api/remediation/runs', {
      instance_id: randomUUID(),
      playbook: 'rollback',
      payload: { track_id: randomUUID() },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_PAYLOAD']);
  });
});

// Remediation runs: enqueue against a playbook, approve or reject with the run's version, execute, store a log and an
// evidence artifact with their digests, and mark runs past their playbook's SLA. Every change is published in the
// same transaction. Executors: quarantine-instance is a trust registry transition through its guard, in the run's own
// transaction; restart-server (policy engine), rerun-evaluation (marketplace) and rotate-registry-credentials (build
// service) act on the run's move to `running` (published with executor and payload) and answer with
// remediation.action.completed, which finishes the run; rollback-promotion (the promotions rollback) and webhook (a
// signed POST) act in this process once the move to `running` has committed.
import { createHash, randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type {
  ApproveRemediationBody,
  EnqueueRemediationBody,
  EventPayload,
  RemediationRunsQuery,
  RemediationRunStatus,
} from '@mcp-host/contracts';
import {
  ApiException,
  decodeKeysetCursor,
  encodeKeysetCursor,
  InjectConfig,
  InjectLogger,
  OutboxService,
  Transactions,
  type Manager,
} from '@mcp-host/platform';
import { PromotionService } from '../promotions/promotion.service';
import { TrustService } from '../trust/trust.service';
import type { RemediationConfig } from './remediation.config';
import { deliverWebhook, SIGNATURE_HEADER } from './remediation-webhook';
import { RemediationErrorCode, RemediationException } from './remediation.exception';
import { RemediationRepository, type ArtifactRow, type RunRow } from './remediation.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Executors another service carries out; the run stays `running` until its remediation.action.completed. */
const REMOTE_EXECUTORS: Record<string, string> = {
  'restart-server': 'the policy engine',
  'rerun-evaluation': 'the marketplace',
  'rotate-registry-credentials': 'the build service',
};
/** Executors this process carries out once the run's move to `running` has committed. */
const LOCAL_EXECUTORS = new Set(['rollback-promotion', 'webhook']);

/** What the payload of each executor must carry, checked when a run is enqueued. */
const PAYLOAD_RULES: Record<string, { field: string; kind: 'uuid' | 'text' }[]> = {
  'restart-server': [{ field: 'server_id', kind: 'uuid' }],
  'rerun-evaluation': [{ field: 'certification_id', kind: 'uuid' }],
  'rotate-registry-credentials': [{ field: 'server_id', kind: 'uuid' }],
  'rollback-promotion': [
    { field: 'track_id', kind: 'uuid' },
    { field: 'stage', kind: 'text' },
  ],
};

/** How an executor's action ended: the run's outcome, its log lines and its evidence. */
export interface ActionResult {
  outcome: 'succeeded' | 'failed';
  detail: string;
  log: string[];
  evidence: Record<string, unknown>;
}

@Injectable()
export class RemediationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Local executor actions in flight; shutdown waits for them. */
  private readonly acting = new Set<Promise<void>>();

  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly repo: RemediationRepository,
    private readonly trust: TrustService,
    private readonly promotions: PromotionService,
    @InjectConfig() private readonly config: RemediationConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tx.run((m) => this.repo.seedPlaybooks(m, this.config.REMEDIATION_PLAYBOOKS));
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweepSla()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.error({ err: String(err) }, 'remediation SLA sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, this.config.REMEDIATION_SLA_SWEEP_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await Promise.allSettled([...this.acting]);
  }

  async playbooks() {
    return { items: await this.tx.read((m) => this.repo.playbooks(m)) };
  }

  async list(q: RemediationRunsQuery) {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new RemediationException(
          RemediationErrorCode.INVALID_CURSOR,
          'cursor is not one this API returned',
        );
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.listRuns(m, { limit: q.limit + 1, after, instanceId: q.instance_id, status: q.status }),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(runView),
      next_cursor: rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }

  async get(id: string) {
    return runView(await this.tx.read((m) => this.mustFind(m, id)));
  }

  async artifacts(id: string) {
    return this.tx.read(async (m) => {
      await this.mustFind(m, id);
      return { items: (await this.repo.artifacts(m, id)).map(artifactView) };
    });
  }

  async enqueue(body: EnqueueRemediationBody, actor: string | null) {
    const created = await this.tx.run(async (m) => {
      const playbook = await this.repo.playbook(m, body.playbook);
      if (!playbook) {
        throw new RemediationException(
          RemediationErrorCode.PLAYBOOK_NOT_FOUND,
          `no playbook named ${body.playbook}`,
        );
      }
      const payload = body.payload ?? {};
      for (const rule of PAYLOAD_RULES[playbook.executor_type] ?? []) {
        const v = payload[rule.field];
        const ok =
          rule.kind === 'uuid'
            ? typeof v === 'string' && UUID.test(v)
            : typeof v === 'string' && v.trim().length > 0 && v.length <= 200;
        if (!ok) {
          throw new RemediationException(
            RemediationErrorCode.INVALID_PAYLOAD,
            `${playbook.executor_type} needs payload.${rule.field} (${rule.kind === 'uuid' ? 'a uuid' : 'a name'})`,
          );
        }
      }
      let run = await this.repo.insertRun(m, {
        id: randomUUID(),
        instance_id: body.instance_id,
        playbook: playbook.name,
        executor_type: playbook.executor_type,
        owner: body.owner ?? actor,
        status: playbook.requires_approval ? 'awaiting_approval' : 'pending',
        approval_state: playbook.requires_approval ? 'pending' : 'not_required',
        metadata: body.metadata ?? {},
        payload,
        sla_seconds: playbook.sla_seconds,
      });
      await this.outbox.publish(m, 'remediation.run.enqueued', {
        run_id: run.id,
        instance_id: run.instance_id,
        playbook: run.playbook,
        executor_type: run.executor_type,
        owner: run.owner,
        status: run.status as RemediationRunStatus,
        approval_state: run.approval_state as 'pending' | 'not_required',
        metadata: run.metadata,
        payload: run.payload,
        attempt: run.attempt,
        version: run.version,
        enqueued_at: run.created_at.toISOString(),
      });
      if (!playbook.requires_approval) run = await this.execute(m, run, actor);
      return run;
    });
    this.dispatchLocal(created, actor);
    return runView(created);
  }

  async approve(id: string, body: ApproveRemediationBody, actor: string | null) {
    const result = await this.tx.run(async (m) => {
      const run = await this.mustFind(m, id, true);
      if (run.version !== body.version) {
        throw new RemediationException(
          RemediationErrorCode.VERSION_CONFLICT,
          `remediation run ${id} is at version ${run.version}, not ${body.version}`,
          { current_version: run.version },
        );
      }
      if (run.status !== 'awaiting_approval') {
        throw new RemediationException(
          RemediationErrorCode.NOT_AWAITING_APPROVAL,
          `remediation run ${id} is ${run.status}, not awaiting approval`,
        );
      }
      const rejected = body.approval_state === 'rejected';
      let decided = await this.update(m, run, {
        approval_state: body.approval_state,
        approver: actor,
        notes: body.notes ?? null,
        ...(rejected ? { status: 'cancelled', finished_at: new Date() } : {}),
      });
      await this.outbox.publish(m, 'remediation.run.approved', {
        run_id: id,
        approval_state: body.approval_state,
        approver: actor,
        notes: body.notes ?? null,
        version: decided.version,
        decided_at: decided.updated_at.toISOString(),
      });
      if (rejected) await this.statusChanged(m, run, decided, 'rejected by approver');
      else decided = await this.execute(m, decided, actor);
      return decided;
    });
    this.dispatchLocal(result, actor);
    return runView(result);
  }

  /** Marks open runs past their SLA, each with one event. */
  async sweepSla(): Promise<number> {
    return this.tx.run(async (m) => {
      const breached = await this.repo.markSlaBreaches(m, 100);
      for (const run of breached) await this.statusChanged(m, run, run, 'sla_breached');
      return breached.length;
    });
  }

  private async execute(m: Manager, run: RunRow, actor: string | null): Promise<RunRow> {
    const started = await this.update(m, run, { status: 'running', started_at: new Date() });
    await this.statusChanged(m, run, started, `executing ${run.executor_type}`);
    const log: string[] = [
      `run ${run.id} attempt ${run.attempt}: ${run.executor_type} on instance ${run.instance_id}`,
    ];
    let evidence: Record<string, unknown>;
    let outcome: { status: 'succeeded' | 'failed' | 'running'; reason: string | null };
    if (run.executor_type === 'quarantine-instance') {
      try {
        const snapshot = await this.trust.transitionIn(
          m,
          run.instance_id,
          {
            status: 'revoked',
            lifecycle_state: 'quarantined',
            remediation_state: 'quarantined',
            provenance: { remediation_run_id: run.id, playbook: run.playbook },
            reason: typeof run.payload.reason === 'string' ? run.payload.reason : `remediation run ${run.id}`,
          },
          `remediation:${actor ?? run.owner ?? 'system'}`,
        );
        log.push(
          `trust registry: instance moved to ${snapshot.status}/${snapshot.lifecycle_state} (version ${snapshot.version})`,
        );
        evidence = { trust_snapshot: snapshot };
        outcome = { status: 'succeeded', reason: null };
      } catch (err) {
        if (!(err instanceof ApiException)) throw err;
        log.push(`trust registry refused: ${err.message}`);
        evidence = { refused: { code: err.code, message: err.message } };
        outcome = { status: 'failed', reason: err.message };
      }
    } else if (REMOTE_EXECUTORS[run.executor_type]) {
      // The run's move to `running` (published above with executor and payload) is the request the owning service
      // acts on; the run stays running until its remediation.action.completed, and the SLA sweep marks it if none comes.
      log.push(`${run.executor_type} requested from ${REMOTE_EXECUTORS[run.executor_type]}`);
      evidence = {
        requested: {
          executor_type: run.executor_type,
          payload: run.payload,
          at: started.updated_at.toISOString(),
        },
      };
      outcome = { status: 'running', reason: null };
    } else {
      log.push(`${run.executor_type} starts in governance once this run's start has committed`);
      evidence = {
        requested: {
          executor_type: run.executor_type,
          payload: run.payload,
          at: started.updated_at.toISOString(),
        },
      };
      outcome = { status: 'running', reason: null };
    }
    for (const [sequence, line] of log.entries()) {
      await this.outbox.publish(m, 'remediation.run.log', {
        run_id: run.id,
        sequence,
        stream: 'system',
        line,
        logged_at: new Date().toISOString(),
      });
    }
    await this.store(m, run.id, 'log', Buffer.from(`${log.join('\n')}\n`), { lines: log.length });
    await this.store(m, run.id, 'evidence', Buffer.from(JSON.stringify(evidence)), {
      content_type: 'application/json',
    });
    if (outcome.status === 'running') return started;
    const finished = await this.update(m, started, {
      status: outcome.status,
      failure_reason: outcome.reason,
      finished_at: new Date(),
    });
    await this.statusChanged(m, started, finished, outcome.reason);
    return finished;
  }

  /** Finishes a running run from the acting service's answer; an answer for a run no longer running is ignored. */
  async complete(m: Manager, p: EventPayload<'remediation.action.completed'>): Promise<void> {
    await this.finish(m, p.run_id, p.attempt, p.executor_type, {
      outcome: p.outcome,
      detail: p.detail,
      log: [`${p.actor}: ${p.detail}`],
      evidence: {
        actor: p.actor,
        outcome: p.outcome,
        detail: p.detail,
        completed_at: p.completed_at,
        ...p.evidence,
      },
    });
  }

  private async finish(
    m: Manager,
    runId: string,
    attempt: number,
    executorType: string,
    result: ActionResult,
  ): Promise<RunRow | undefined> {
    const run = await this.repo.findRun(m, runId, true);
    if (!run || run.status !== 'running' || run.attempt !== attempt || run.executor_type !== executorType) {
      this.logger.warn(
        { runId, attempt, executorType, status: run?.status ?? null },
        'remediation answer for a run that is not running it; ignored',
      );
      return undefined;
    }
    const first = await this.repo.logLineCount(m, runId);
    const lines = [...result.log, `run ${run.id} ${result.outcome}`];
    for (const [i, line] of lines.entries()) {
      await this.outbox.publish(m, 'remediation.run.log', {
        run_id: run.id,
        sequence: first + i,
        stream: result.outcome === 'failed' ? 'stderr' : 'stdout',
        line,
        logged_at: new Date().toISOString(),
      });
    }
    await this.store(m, run.id, 'log', Buffer.from(`${lines.join('\n')}\n`), {
      lines: lines.length,
      first_sequence: first,
    });
    await this.store(m, run.id, 'evidence', Buffer.from(JSON.stringify(result.evidence)), {
      content_type: 'application/json',
      outcome: result.outcome,
    });
    const finished = await this.update(m, run, {
      status: result.outcome,
      failure_reason: result.outcome === 'failed' ? result.detail.slice(0, 1000) : null,
      finished_at: new Date(),
    });
    await this.statusChanged(
      m,
      run,
      finished,
      result.outcome === 'failed' ? result.detail.slice(0, 1000) : null,
    );
    return finished;
  }

  /** Starts a local executor on a run that just moved to `running` (its transaction has committed). */
  private dispatchLocal(run: RunRow, actor: string | null): void {
    if (run.status !== 'running' || !LOCAL_EXECUTORS.has(run.executor_type)) return;
    const p: Promise<void> = this.actLocally(run, actor)
      .catch((err: unknown) =>
        this.logger.error(
          { err: String(err), runId: run.id },
          'remediation executor could not finish the run',
        ),
      )
      .finally(() => this.acting.delete(p));
    this.acting.add(p);
  }

  private async actLocally(run: RunRow, actor: string | null): Promise<void> {
    let result: ActionResult;
    try {
      result = run.executor_type === 'webhook' ? await this.webhook(run) : await this.rollback(run, actor);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      result = {
        outcome: 'failed',
        detail,
        log: [`${run.executor_type} failed: ${detail}`],
        evidence: {
          error: err instanceof ApiException ? { code: err.code, message: err.message } : { message: detail },
        },
      };
    }
    await this.tx.run((m) => this.finish(m, run.id, run.attempt, run.executor_type, result));
  }

  /** rollback-promotion: the promotions rollback of the payload's track and stage. */
  private async rollback(run: RunRow, actor: string | null): Promise<ActionResult> {
    const trackId = String(run.payload.track_id);
    const stage = String(run.payload.stage);
    const note =
      typeof run.payload.note === 'string' && run.payload.note.length > 0
        ? run.payload.note
        : `remediation run ${run.id}`;
    const detail = await this.promotions.rollback(
      { track_id: trackId, stage, note },
      { subject: `remediation:${actor ?? run.owner ?? 'system'}`, role: null },
    );
    const line = `promotion rollback: stage ${stage} of track ${trackId} re-activates ${detail.manifest_digest} (promotion ${detail.id})`;
    return {
      outcome: 'succeeded',
      detail: line,
      log: [line],
      evidence: {
        promotion_id: detail.id,
        rollback_of: detail.rollback_of,
        manifest_digest: detail.manifest_digest,
        track_id: trackId,
        stage,
        status: detail.status,
      },
    };
  }

  /** webhook: the run POSTed as signed JSON to the playbook's URL (or the configured default). */
  private async webhook(run: RunRow): Promise<ActionResult> {
    const playbook = await this.tx.read((m) => this.repo.playbook(m, run.playbook));
    const raw =
      typeof playbook?.parameters.url === 'string'
        ? playbook.parameters.url
        : this.config.REMEDIATION_WEBHOOK_URL;
    const failed = (detail: string, evidence: Record<string, unknown> = {}): ActionResult => ({
      outcome: 'failed',
      detail,
      log: [`webhook not delivered: ${detail}`],
      evidence: { ...evidence, refused: detail },
    });
    if (!raw)
      return failed(
        'no webhook URL: the playbook has no parameters.url and REMEDIATION_WEBHOOK_URL is unset',
      );
    const secret = this.config.REMEDIATION_WEBHOOK_SECRET;
    if (!secret) return failed('REMEDIATION_WEBHOOK_SECRET is unset; webhooks are never sent unsigned');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return failed(`${raw} is not a URL`);
    }
    const body = Buffer.from(
      JSON.stringify({ type: 'remediation.run', run: runView(run), sent_at: new Date().toISOString() }),
    );
    const res = await deliverWebhook(
      url,
      body,
      secret,
      { 'x-mcp-host-delivery': `${run.id}:${run.attempt}`, 'user-agent': 'mcp-host-governance' },
      {
        allowPrivate: this.config.REMEDIATION_WEBHOOK_ALLOW_PRIVATE,
        allowedHosts: this.config.REMEDIATION_WEBHOOK_ALLOWED_HOSTS,
        timeoutMs: this.config.REMEDIATION_WEBHOOK_TIMEOUT_MS,
        retries: this.config.REMEDIATION_WEBHOOK_RETRIES,
        backoffMs: this.config.REMEDIATION_WEBHOOK_BACKOFF_MS,
      },
    );
    const target = `${url.origin}${url.pathname}`;
    const evidence = {
      url: target,
      status: res.status,
      response_digest: res.response_digest,
      request_digest: res.request_digest,
      signature_header: SIGNATURE_HEADER,
      attempts: res.attempts,
    };
    if (res.refused) return failed(`webhook target refused: ${res.refused}`, evidence);
    const log = res.attempts.map(
      (a) =>
        `POST ${target} attempt ${a.attempt}: ${a.status === null ? (a.error ?? 'no answer') : `HTTP ${a.status}`}`,
    );
    const detail = res.ok
      ? `webhook delivered to ${target}: HTTP ${res.status}`
      : `webhook to ${target} failed after ${res.attempts.length} attempt(s): ${res.status === null ? (res.attempts.at(-1)?.error ?? 'no answer') : `HTTP ${res.status}`}`;
    return { outcome: res.ok ? 'succeeded' : 'failed', detail, log, evidence };
  }

  private async store(
    m: Manager,
    runId: string,
    kind: string,
    content: Buffer,
    metadata: Record<string, unknown>,
  ): Promise<ArtifactRow> {
    const a = await this.repo.insertArtifact(m, {
      id: randomUUID(),
      run_id: runId,
      kind,
      digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
      content,
      metadata,
    });
    await this.outbox.publish(m, 'remediation.artifact.recorded', {
      artifact_id: a.id,
      run_id: runId,
      kind,
      uri: null,
      digest: a.digest,
      size_bytes: a.size_bytes,
      metadata: a.metadata,
      recorded_at: a.recorded_at.toISOString(),
    });
    return a;
  }

  private async update(
    m: Manager,
    run: RunRow,
    changes: Parameters<RemediationRepository['updateRunIfVersion']>[3],
  ) {
    const updated = await this.repo.updateRunIfVersion(m, run.id, run.version, changes);
    if (!updated) {
      throw new RemediationException(
        RemediationErrorCode.VERSION_CONFLICT,
        `remediation run ${run.id} changed meanwhile`,
      );
    }
    return updated;
  }

  private async statusChanged(
    m: Manager,
    before: RunRow,
    after: RunRow,
    reason: string | null,
  ): Promise<void> {
    await this.outbox.publish(m, 'remediation.run.status_changed', {
      run_id: after.id,
      instance_id: after.instance_id,
      from_status: before.status as RemediationRunStatus,
      to_status: after.status as RemediationRunStatus,
      attempt: after.attempt,
      duration_ms:
        after.started_at && after.finished_at
          ? after.finished_at.getTime() - after.started_at.getTime()
          : null,
      reason,
      version: after.version,
      changed_at: after.updated_at.toISOString(),
      executor_type: after.executor_type,
      payload: after.payload,
      sla_breached: after.sla_breached,
    });
  }

  private async mustFind(m: Manager, id: string, lock = false): Promise<RunRow> {
    const run = await this.repo.findRun(m, id, lock);
    if (!run) throw new RemediationException(RemediationErrorCode.RUN_NOT_FOUND, `no remediation run ${id}`);
    return run;
  }
}

function runView(r: RunRow) {
  return {
    id: r.id,
    instance_id: r.instance_id,
    playbook: r.playbook,
    executor_type: r.executor_type,
    owner: r.owner,
    status: r.status,
    approval_state: r.approval_state,
    approver: r.approver,
    notes: r.notes,
    metadata: r.metadata,
    payload: r.payload,
    attempt: r.attempt,
    version: r.version,
    sla_due_at: r.sla_due_at.toISOString(),
    sla_breached: r.sla_breached,
    failure_reason: r.failure_reason,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    finished_at: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

function artifactView(a: ArtifactRow) {
  return { ...a, recorded_at: a.recorded_at.toISOString() };
}

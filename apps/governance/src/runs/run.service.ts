// Starts workflow runs and moves them (or one of their steps) through the state machine; every change appends an
// audit entry and publishes its event in the same transaction, and a run reaching a final status publishes its
// completion.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type {
  EventPayload,
  GovernanceRunStatus,
  GovernanceRunsQuery,
  GovernanceStepStatus,
  StartWorkflowRunBody,
  TransitionRunBody,
} from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { WorkflowRepository } from '../workflows/workflow.repository';
import type { Run, RunDetail, RunPage } from './run.dto';
import { RunErrorCode, RunException } from './run.exception';
import {
  RunRepository,
  type RunAuditEntry,
  type RunAuditRow,
  type RunMoved,
  type RunRow,
} from './run.repository';
import {
  RUN_TRANSITIONS,
  STEP_TRANSITIONS,
  TERMINAL_RUN_STATUSES,
  isRunStatus,
  isStepStatus,
  runMayMove,
  stepMayMove,
} from './run-state-machine';

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

export function toRun(r: RunRow): Run {
  return {
    id: r.id,
    workflow_id: r.workflow_id,
    tier: r.tier,
    artifact_run_id: r.artifact_run_id,
    manifest_digest: r.manifest_digest,
    promotion_id: r.promotion_id,
    policy_decision_id: r.policy_decision_id,
    status: r.status,
    context: r.context,
    started_by: r.started_by,
    version: r.version,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    completed_at: iso(r.completed_at),
    steps: r.steps.map((s) => ({
      position: s.position,
      name: s.name,
      action: s.action,
      status: s.status,
      updated_at: iso(s.updated_at)!,
    })),
  };
}

function toAudit(a: RunAuditRow) {
  return {
    id: Number(a.id),
    step_position: a.step_position,
    from_status: a.from_status,
    to_status: a.to_status,
    note: a.note,
    actor: a.actor,
    version: a.version,
    created_at: iso(a.created_at)!,
  };
}

type RunDetailRow = RunRow & { audit: RunAuditRow[] };

/** The run as a change left it: `changed` (the row before, with the change applied) and the change's new audit entry. */
function after(before: RunDetailRow, moved: RunMoved, entry: RunAuditEntry, changed: RunRow): RunDetail {
  const version = before.version + 1;
  return {
    ...toRun({ ...changed, version, updated_at: moved.updated_at, completed_at: moved.completed_at }),
    audit_log: [
      ...before.audit.map(toAudit),
      toAudit({
        id: moved.audit_id,
        step_position: entry.stepPosition,
        from_status: entry.from,
        to_status: entry.to,
        note: entry.note,
        actor: entry.actor,
        version,
        created_at: moved.audit_created_at,
      }),
    ],
  };
}

/**
 * Who follows a run inside the transaction that moves it: promotions apply their run's outcome there, so a promotion
 * never waits on the broker to become active. `lock` runs first when the run itself moves, before the run row is read
 * or written, so every writer takes its locks in one order (the promotion's track, then the run). A step's move is
 * followed by no one, takes no follower lock and only the run's row.
 */
export interface RunFollower {
  lock(m: Manager, runId: string): Promise<void>;
  transitioned(m: Manager, p: EventPayload<'governance.run.transitioned'>): Promise<void>;
  completed(m: Manager, p: EventPayload<'governance.run.completed'>): Promise<void>;
}

export interface StartRunOptions {
  tier?: string;
  artifactRunId?: string | null;
  manifestDigest?: string | null;
  promotionId?: string | null;
  policyDecisionId?: string | null;
  context?: Record<string, unknown>;
  actor: string | null;
}

@Injectable()
export class RunService {
  private readonly followers: RunFollower[] = [];

  constructor(
    private readonly repo: RunRepository,
    private readonly workflows: WorkflowRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
  ) {}

  follow(follower: RunFollower): void {
    this.followers.push(follower);
  }

  start(workflowId: string, body: StartWorkflowRunBody, actor: string | null): Promise<RunDetail> {
    return this.tx.run(async (m) => {
      const run = await this.startIn(m, workflowId, {
        tier: body.tier,
        artifactRunId: body.artifact_run_id ?? null,
        manifestDigest: body.manifest_digest ?? null,
        policyDecisionId: body.policy_decision_id ?? null,
        context: body.context,
        actor,
      });
      return this.detailIn(m, run.id);
    });
  }

  /** Starts a run inside the caller's transaction (a promotion schedules one with its own insert). */
  async startIn(m: Manager, workflowId: string, o: StartRunOptions): Promise<Run> {
    const workflow = await this.workflows.findById(m, workflowId);
    if (!workflow)
      throw new RunException(RunErrorCode.WORKFLOW_NOT_FOUND, `No workflow with id ${workflowId}.`);
    const id = randomUUID();
    // The audit's first entry (pending, 'run started') is written by the same statement.
    const inserted = await this.repo.insert(m, {
      id,
      workflow_id: workflow.id,
      tier: o.tier ?? workflow.tier,
      artifact_run_id: o.artifactRunId ?? null,
      manifest_digest: o.manifestDigest ?? null,
      promotion_id: o.promotionId ?? null,
      policy_decision_id: o.policyDecisionId ?? null,
      context: o.context ?? {},
      started_by: o.actor,
    });
    // The step rows were copied from these workflow steps in the same statement, all pending.
    const run = toRun({
      ...inserted,
      cursor_ts: '',
      steps: workflow.steps.map((s) => ({
        position: s.position,
        name: s.name,
        action: s.action,
        status: 'pending' as const,
        updated_at: inserted.created_at,
      })),
    });
    await this.outbox.publish(m, 'governance.run.started', {
      run_id: run.id,
      workflow_id: run.workflow_id,
      tier: run.tier,
      artifact_run_id: run.artifact_run_id,
      manifest_digest: run.manifest_digest,
      promotion_id: run.promotion_id,
      policy_decision_id: run.policy_decision_id,
      status: run.status,
      context: run.context,
      steps: run.steps.map((s) => ({ position: s.position, name: s.name, status: s.status })),
      started_by: run.started_by,
      version: run.version,
      started_at: run.created_at,
    });
    return run;
  }

  async get(id: string): Promise<RunDetail> {
    return this.tx.read((m) => this.detailIn(m, id));
  }

  private async detailIn(m: Manager, id: string): Promise<RunDetail> {
    const row = await this.repo.findDetail(m, id);
    if (!row) throw new RunException(RunErrorCode.NOT_FOUND, `No governance run with id ${id}.`);
    return { ...toRun(row), audit_log: row.audit.map(toAudit) };
  }

  async list(q: GovernanceRunsQuery): Promise<RunPage> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c) throw new RunException(RunErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after,
        workflowId: q.workflow_id,
        status: q.status,
        manifestDigest: q.manifest_digest,
        tier: q.tier,
        promotionId: q.promotion_id,
        since: q.since,
      }),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toRun),
      next_cursor: rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }

  /**
   * One transition in its own transaction; answers the run as it now stands, audit log included. The run is read
   * with its audit log before the change, and the answer is that read with the change applied, from what the change
   * statement returned (the run's new timestamps, the new audit entry): no second read. Followers move other rows
   * (the run's promotion), never the run itself.
   */
  transition(id: string, body: TransitionRunBody, actor: string | null): Promise<RunDetail> {
    return this.tx.run(async (m) => (await this.move(m, id, body, actor, true))!);
  }

  /**
   * Applies one transition inside the caller's transaction. The version check comes first, so of many callers
   * holding the same version exactly one moves the run and the others get VERSION_CONFLICT.
   */
  async transitionIn(m: Manager, id: string, body: TransitionRunBody, actor: string | null): Promise<void> {
    await this.move(m, id, body, actor, false);
  }

  /** transitionIn; with `detail`, answers the run after the change with its audit log. */
  private async move(
    m: Manager,
    id: string,
    body: TransitionRunBody,
    actor: string | null,
    detail: boolean,
  ): Promise<RunDetail | undefined> {
    // The run is read under its followers' locks, so the checks below see what the followers will see.
    if (body.step_position === undefined) for (const f of this.followers) await f.lock(m, id);
    const run = detail ? await this.repo.findDetail(m, id) : await this.repo.findById(m, id);
    if (!run) throw new RunException(RunErrorCode.NOT_FOUND, `No governance run with id ${id}.`);
    const version = body.version ?? run.version;
    if (version !== run.version) throw this.conflict(run);
    const note = body.note ?? null;

    if (body.step_position === undefined) {
      const to = body.status;
      if (!isRunStatus(to))
        throw new RunException(
          RunErrorCode.INVALID_STATUS,
          `A run cannot be ${to}; a run status is one of ${Object.keys(RUN_TRANSITIONS).join(', ')}.`,
        );
      if (!runMayMove(run.status, to)) throw this.invalid('run', run.status, to, RUN_TRANSITIONS[run.status]);
      if (to === 'succeeded') {
        const open = run.steps.filter((s) => s.status !== 'succeeded' && s.status !== 'skipped');
        if (open.length > 0)
          throw new RunException(
            RunErrorCode.STEPS_INCOMPLETE,
            `The run cannot succeed while steps ${open.map((s) => `${s.position} (${s.status})`).join(', ')} are not succeeded or skipped.`,
            { steps: open.map((s) => ({ position: s.position, status: s.status })) },
          );
      }
      const audit = { stepPosition: null, from: run.status, to, note, actor };
      const moved = await this.repo.setStatusIfVersion(m, id, version, to, audit);
      if (!moved) throw await this.staleOrMissing(m, id);
      await this.recorded(m, run, null, run.status, to, note, actor);
      return detail ? after(run as RunDetailRow, moved, audit, { ...run, status: to }) : undefined;
    }

    const position = body.step_position;
    const step = run.steps.find((s) => s.position === position);
    if (!step)
      throw new RunException(RunErrorCode.STEP_NOT_FOUND, `Run ${id} has no step at position ${position}.`);
    const to = body.status;
    if (!isStepStatus(to))
      throw new RunException(
        RunErrorCode.INVALID_STATUS,
        `A step cannot be ${to}; a step status is one of ${Object.keys(STEP_TRANSITIONS).join(', ')}.`,
      );
    if (run.status !== 'in_progress')
      throw new RunException(
        RunErrorCode.INVALID_TRANSITION,
        `Step ${position} cannot move from ${step.status} to ${to} while the run is ${run.status}; steps move only while the run is in_progress.`,
        { run_status: run.status, from: step.status, to },
      );
    if (!stepMayMove(step.status, to))
      throw this.invalid(`step ${position}`, step.status, to, STEP_TRANSITIONS[step.status]);
    const audit = { stepPosition: position, from: step.status, to, note, actor };
    const moved = await this.repo.setStepStatusIfVersion(m, id, version, position, to, audit);
    if (!moved) throw await this.staleOrMissing(m, id);
    await this.recorded(m, run, { position, from: step.status, to }, run.status, run.status, note, actor);
    if (!detail) return undefined;
    const steps = run.steps.map((s) =>
      s.position === position ? { ...s, status: to, updated_at: moved.updated_at } : s,
    );
    return after(run as RunDetailRow, moved, audit, { ...run, steps });
  }

  /** Cancels a run that is still pending or in progress, inside the caller's transaction. */
  async cancelIfOpen(m: Manager, id: string, actor: string | null, note: string): Promise<void> {
    const run = await this.repo.findById(m, id);
    if (run && runMayMove(run.status, 'cancelled'))
      await this.transitionIn(m, id, { status: 'cancelled', note, version: run.version }, actor);
  }

  private async recorded(
    m: Manager,
    before: RunRow,
    step: { position: number; from: GovernanceStepStatus; to: GovernanceStepStatus } | null,
    from: GovernanceRunStatus,
    to: GovernanceRunStatus,
    note: string | null,
    actor: string | null,
  ): Promise<void> {
    // The audit entry was written with the change itself.
    const version = before.version + 1;
    const at = new Date().toISOString();
    const events: { type: 'governance.run.transitioned' | 'governance.run.completed'; payload: unknown }[] = [
      {
        type: 'governance.run.transitioned',
        payload: {
          run_id: before.id,
          workflow_id: before.workflow_id,
          from_status: from,
          to_status: to,
          step: step ? { position: step.position, status: step.to } : null,
          step_from_status: step ? step.from : null,
          note,
          actor,
          version,
          transitioned_at: at,
          tier: before.tier,
          manifest_digest: before.manifest_digest,
          artifact_run_id: before.artifact_run_id,
          promotion_id: before.promotion_id,
        } satisfies EventPayload<'governance.run.transitioned'>,
      },
    ];
    if (!step && TERMINAL_RUN_STATUSES.includes(to)) {
      events.push({
        type: 'governance.run.completed',
        payload: {
          run_id: before.id,
          workflow_id: before.workflow_id,
          status: to as 'succeeded' | 'failed' | 'cancelled',
          tier: before.tier,
          artifact_run_id: before.artifact_run_id,
          manifest_digest: before.manifest_digest,
          promotion_id: before.promotion_id,
          policy_decision_id: before.policy_decision_id,
          // A promotion's run leaves the redeploy to the promotion becoming active (its approvals may still be due).
          redeploy_requested:
            to === 'succeeded' && (before.policy_decision_id !== null || before.promotion_id === null),
          version,
          completed_at: at,
          actor,
          note,
        } satisfies EventPayload<'governance.run.completed'>,
      });
    }
    // One outbox write for both, so a completion costs no extra round trip.
    await this.outbox.publishMany(m, events);
    for (const f of this.followers) {
      await f.transitioned(m, events[0].payload as EventPayload<'governance.run.transitioned'>);
      if (events[1]) await f.completed(m, events[1].payload as EventPayload<'governance.run.completed'>);
    }
  }

  private invalid(what: string, from: string, to: string, allowed: readonly string[]): RunException {
    return new RunException(
      RunErrorCode.INVALID_TRANSITION,
      `The ${what} cannot move from ${from} to ${to}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : `: ${from} is final`}.`,
      { from, to, allowed },
    );
  }

  private conflict(run: RunRow): RunException {
    return new RunException(
      RunErrorCode.VERSION_CONFLICT,
      `Run ${run.id} is at version ${run.version}; reload it and try again.`,
      { current_version: run.version },
    );
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleOrMissing(m: Manager, id: string): Promise<RunException> {
    const current = await this.repo.findById(m, id);
    if (!current) return new RunException(RunErrorCode.NOT_FOUND, `No governance run with id ${id}.`);
    return this.conflict(current);
  }
}

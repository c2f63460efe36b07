// Release-train promotions: schedule (with its governance run), approve, reject, roll back, and follow the run's
// outcome. Every write on a track first locks the track row, so the rules below hold under any interleaving:
// at most one active promotion per track and stage, a blocked digest never becomes active, stage order holds.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ROLES,
  roleSatisfies,
  type ApprovePromotionBody,
  type EventPayload,
  type LiftPromotionBlockBody,
  type PromotionBlocksQuery,
  type PromotionHistoryQuery,
  type PromotionStatus,
  type RejectPromotionBody,
  type Role,
  type RollbackPromotionBody,
  type SchedulePromotionBody,
} from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { LedgerRepository } from '../ledger/ledger.repository';
import { RunService } from '../runs/run.service';
import type { Page, Promotion, PromotionBlock, PromotionDetail } from './promotion.dto';
import { PromotionErrorCode, PromotionException } from './promotion.exception';
import {
  blockChangedEvent,
  scheduledEvent,
  statusChangedEvent,
  toBlock,
  toPromotion,
} from './promotion.mapper';
import { OPEN_STATUSES, PromotionRepository, type PromotionRow } from './promotion.repository';
import { TrackRepository, type TrackRow } from './track.repository';

export interface Caller {
  subject: string | null;
  role: string | null;
}

const iso = (v: string | Date): string => new Date(v).toISOString();

function isOpen(s: PromotionStatus): boolean {
  return OPEN_STATUSES.includes(s);
}

function asRole(role: string | null): Role | undefined {
  return ROLES.find((r) => r === role);
}

function afterCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (!cursor) return undefined;
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new PromotionException(
      PromotionErrorCode.INVALID_CURSOR,
      'The cursor is not one this API returned.',
    );
  return { createdAt: c.key, id: c.id };
}

function page<T, R extends { cursor_ts: string; id: string }>(
  rows: R[],
  limit: number,
  map: (r: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    next_cursor: rows.length > limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
  };
}

@Injectable()
export class PromotionService implements OnModuleInit {
  constructor(
    private readonly repo: PromotionRepository,
    private readonly tracks: TrackRepository,
    private readonly ledger: LedgerRepository,
    private readonly runs: RunService,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * A promotion follows its run in the run's own transaction (no broker hop on the way to `active`); the run events
   * are projected too (PromotionRunProjection), where the same calls find the outcome already applied.
   */
  onModuleInit(): void {
    this.runs.follow({
      lock: async (m, runId) => {
        await this.tracks.lockOfRun(m, runId);
      },
      // The run's transaction holds the track's lock by now (`lock` above).
      transitioned: (m, p) => this.followRunTransition(m, p, true),
      completed: (m, p) => this.followRunCompletion(m, p, true),
    });
  }

  schedule(body: SchedulePromotionBody, caller: Caller): Promise<PromotionDetail> {
    return this.tx.run(async (m) => {
      const track = await this.lockTrack(m, body.track_id);
      const stageIndex = track.stages.indexOf(body.stage);
      if (stageIndex === -1)
        throw new PromotionException(
          PromotionErrorCode.UNKNOWN_STAGE,
          `Track ${track.name} has no stage "${body.stage}" (stages: ${track.stages.join(', ')}).`,
          { stages: track.stages },
        );
      const artifact = await this.ledger.findForDigest(m, body.manifest_digest, body.artifact_run_id);
      if (!artifact)
        throw new PromotionException(
          PromotionErrorCode.ARTIFACT_NOT_FOUND,
          body.artifact_run_id
            ? `The artifact ledger has no run ${body.artifact_run_id} with digest ${body.manifest_digest}.`
            : `The artifact ledger has no run with digest ${body.manifest_digest}.`,
        );
      const block = await this.repo.findActiveBlock(m, track.id, body.manifest_digest);
      if (block)
        throw new PromotionException(
          PromotionErrorCode.DIGEST_BLOCKED,
          `Digest ${body.manifest_digest} is blocked on track ${track.name} (${block.kind}) until an admin lifts block ${block.id}.`,
          { block_id: block.id, kind: block.kind },
        );
      if (stageIndex > 0) {
        const previous = track.stages[stageIndex - 1];
        const active = await this.repo.findActive(m, track.id, previous);
        if (active?.manifest_digest !== body.manifest_digest)
          throw new PromotionException(
            PromotionErrorCode.STAGE_OUT_OF_ORDER,
            `Digest ${body.manifest_digest} is not active in stage "${previous}", which comes before "${body.stage}".`,
            { required_stage: previous },
          );
      }
      const current = await this.repo.findActive(m, track.id, body.stage);
      const open = await this.repo.findOpen(m, track.id, body.manifest_digest, body.stage);
      if (open.length > 0 || current?.manifest_digest === body.manifest_digest)
        throw new PromotionException(
          PromotionErrorCode.PROMOTION_IN_FLIGHT,
          `Digest ${body.manifest_digest} already has promotion ${(open[0] ?? current)!.id} (${(open[0] ?? current)!.status}) in stage "${body.stage}".`,
          { promotion_id: (open[0] ?? current)!.id },
        );

      const approvals = track.stage_approvals[body.stage];
      const id = randomUUID();
      // The run first (it only names the promotion), so the promotion row is written once, already linked.
      const workflowId = track.stage_workflows[body.stage] ?? track.workflow_id;
      const run = workflowId
        ? await this.runs.startIn(m, workflowId, {
            tier: track.stage_tiers[body.stage] ?? body.stage,
            artifactRunId: artifact.artifact_run_id,
            manifestDigest: body.manifest_digest,
            promotionId: id,
            context: { track_id: track.id, stage: body.stage },
            actor: caller.subject,
          })
        : undefined;
      const row = await this.repo.insert(
        m,
        {
          id,
          track_id: track.id,
          manifest_digest: body.manifest_digest,
          stage: body.stage,
          stage_index: stageIndex,
          tier: track.stage_tiers[body.stage] ?? body.stage,
          artifact_run_id: artifact.artifact_run_id,
          status: 'scheduled',
          governance_run_id: run?.id ?? null,
          approvals_required: approvals?.required ?? 0,
          approval_role: approvals?.role ?? null,
          approvals_with_role: approvals?.with_role ?? (approvals?.role ? 1 : 0),
          note: body.note ?? null,
          scheduled_by: caller.subject,
          rollback: false,
          rollback_of: null,
        },
        { action: 'scheduled', actor: caller.subject, note: body.note ?? null },
      );
      await this.outbox.publish(m, 'promotion.scheduled', scheduledEvent(row));
      await this.advance(m, row, caller.subject);
      return this.detailIn(m, id);
    });
  }

  approve(id: string, body: ApprovePromotionBody, caller: Caller): Promise<PromotionDetail> {
    return this.tx.run(async (m) => {
      const { promotion } = await this.lockForDecision(m, id, body.version, caller, 'approve');
      const subject = caller.subject!;
      if (promotion.scheduled_by !== null && promotion.scheduled_by === subject)
        throw new PromotionException(
          PromotionErrorCode.SELF_APPROVAL,
          `${subject} scheduled promotion ${id} and cannot approve it.`,
        );
      const decided = await this.repo.approvals(m, id);
      if (decided.some((a) => a.approver === subject))
        throw new PromotionException(
          PromotionErrorCode.ALREADY_DECIDED,
          `${subject} has already decided on promotion ${id}.`,
        );
      const approved = decided.filter((a) => a.decision === 'approved');
      const role = asRole(caller.role);
      const required = promotion.approval_role as Role | null;
      const holdsRole = required !== null && role !== undefined && roleSatisfies(role, required);
      if (required !== null && !holdsRole) {
        // Seats any approver may fill; the rest are kept for approvers with the role.
        const withoutRole = approved.filter((a) => !this.holds(a.role, required)).length;
        const freeSeats = promotion.approvals_required - promotion.approvals_with_role;
        if (withoutRole >= freeSeats)
          throw new PromotionException(
            PromotionErrorCode.APPROVER_ROLE_REQUIRED,
            `Stage "${promotion.stage}" needs approvals from the ${required} role; ${subject} (${caller.role ?? 'no role'}) cannot fill them.`,
            { role: required },
          );
      }
      if (
        !(await this.repo.insertDecision(m, {
          promotionId: id,
          approver: subject,
          role: caller.role,
          decision: 'approved',
          note: body.note ?? null,
        }))
      )
        throw new PromotionException(
          PromotionErrorCode.ALREADY_DECIDED,
          `${subject} has already decided on promotion ${id}.`,
        );
      const row = await this.repo.updateIfVersion(
        m,
        id,
        promotion.version,
        {},
        { action: 'approved', from: promotion.status, actor: subject, note: body.note ?? null },
      );
      if (!row) throw await this.staleOrMissing(m, id);
      const after = await this.advance(m, row, subject);
      const count = approved.length + 1;
      await this.outbox.publish(m, 'promotion.approved', {
        promotion_id: after.id,
        track_id: after.track_id,
        manifest_digest: after.manifest_digest,
        stage: after.stage,
        tier: after.tier,
        status: after.status,
        approved_by: subject,
        note: body.note ?? null,
        version: after.version,
        approved_at: new Date().toISOString(),
        artifact_run_id: after.artifact_run_id,
        approver_role: caller.role,
        approvals: count,
        approvals_required: after.approvals_required,
        rollback: after.rollback,
      });
      return this.detailIn(m, id);
    });
  }

  reject(id: string, body: RejectPromotionBody, caller: Caller): Promise<PromotionDetail> {
    return this.tx.run(async (m) => {
      const { promotion, track } = await this.lockForDecision(m, id, body.version, caller, 'reject');
      const subject = caller.subject!;
      if (
        !(await this.repo.insertDecision(m, {
          promotionId: id,
          approver: subject,
          role: caller.role,
          decision: 'rejected',
          note: body.note ?? null,
        }))
      ) {
        // An approver may change their mind: the rejection replaces their approval.
        await m.query(
          `UPDATE promotion_approvals SET decision = 'rejected', note = $3, created_at = now()
            WHERE promotion_id = $1 AND approver = $2`,
          [id, subject, body.note ?? null],
        );
      }
      const reason = `rejected by ${subject}${body.note ? `: ${body.note}` : ''}`;
      await this.change(m, promotion, 'rejected', 'rejected', subject, reason);
      await this.block(m, track, promotion, 'rejected', subject, reason);
      return this.detailIn(m, id);
    });
  }

  rollback(body: RollbackPromotionBody, caller: Caller): Promise<PromotionDetail> {
    return this.tx.run(async (m) => {
      const track = await this.lockTrack(m, body.track_id);
      const stageIndex = track.stages.indexOf(body.stage);
      if (stageIndex === -1)
        throw new PromotionException(
          PromotionErrorCode.UNKNOWN_STAGE,
          `Track ${track.name} has no stage "${body.stage}" (stages: ${track.stages.join(', ')}).`,
          { stages: track.stages },
        );
      const current = await this.repo.findActive(m, track.id, body.stage);
      if (!current)
        throw new PromotionException(
          PromotionErrorCode.NOTHING_ACTIVE,
          `No promotion is active in stage "${body.stage}" of track ${track.name}; there is nothing to roll back.`,
        );
      const target = await this.repo.findRollbackTarget(m, track.id, body.stage, current.manifest_digest);
      if (!target)
        throw new PromotionException(
          PromotionErrorCode.NO_ROLLBACK_TARGET,
          `Stage "${body.stage}" of track ${track.name} has no earlier good digest to roll back to.`,
        );
      const reason = `rolled back by ${caller.subject ?? 'an unknown caller'}${body.note ? `: ${body.note}` : ''}`;
      await this.change(m, current, 'rolled_back', 'rolled_back', caller.subject, reason);
      const id = randomUUID();
      const row = await this.repo.insert(
        m,
        {
          id,
          track_id: track.id,
          manifest_digest: target.manifest_digest,
          stage: body.stage,
          stage_index: stageIndex,
          tier: target.tier,
          artifact_run_id: target.artifact_run_id,
          status: 'active',
          governance_run_id: null,
          approvals_required: 0,
          approval_role: null,
          approvals_with_role: 0,
          note: body.note ?? null,
          scheduled_by: caller.subject,
          rollback: true,
          rollback_of: current.id,
        },
        {
          action: 'rollback',
          actor: caller.subject,
          note: `re-activates ${target.manifest_digest} (promotion ${target.id}) in place of ${current.manifest_digest}`,
        },
      );
      await this.outbox.publish(m, 'promotion.scheduled', scheduledEvent(row));
      await this.block(m, track, current, 'rollback_hold', caller.subject, reason);
      return this.detailIn(m, id);
    });
  }

  liftBlock(id: string, body: LiftPromotionBlockBody, caller: Caller): Promise<PromotionBlock> {
    if (caller.role !== 'admin')
      throw new PromotionException(PromotionErrorCode.ADMIN_REQUIRED, 'Only an admin may lift a block.');
    return this.tx.run(async (m) => {
      const found = await this.repo.findBlock(m, id);
      if (!found) throw new PromotionException(PromotionErrorCode.BLOCK_NOT_FOUND, `No block with id ${id}.`);
      await this.lockTrack(m, found.track_id);
      const lifted = await this.repo.liftBlock(m, id, caller.subject, body.note ?? null);
      if (!lifted)
        throw new PromotionException(
          PromotionErrorCode.BLOCK_ALREADY_LIFTED,
          `Block ${id} was already lifted by ${found.lifted_by ?? 'someone'}.`,
        );
      await this.outbox.publish(m, 'promotion.block.changed', blockChangedEvent(lifted));
      return toBlock(lifted);
    });
  }

  async get(id: string): Promise<PromotionDetail> {
    return this.tx.read((m) => this.detailIn(m, id));
  }

  async history(q: PromotionHistoryQuery): Promise<Page<Promotion>> {
    const after = afterCursor(q.cursor);
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after,
        trackId: q.track_id,
        digest: q.manifest_digest,
        stage: q.stage,
        status: q.status,
      }),
    );
    return page(rows, q.limit, toPromotion);
  }

  async blocks(q: PromotionBlocksQuery): Promise<Page<PromotionBlock>> {
    const after = afterCursor(q.cursor);
    const rows = await this.tx.read((m) =>
      this.repo.listBlocks(m, {
        limit: q.limit + 1,
        after,
        trackId: q.track_id,
        digest: q.manifest_digest,
        activeOnly: q.active,
      }),
    );
    return page(rows, q.limit, toBlock);
  }

  /** The run moved to in_progress: a scheduled promotion follows it. Idempotent through the status guard. */
  onRunTransitioned(m: Manager, p: EventPayload<'governance.run.transitioned'>): Promise<void> {
    return this.followRunTransition(m, p, false);
  }

  /**
   * The run completed: success activates the promotion once its approvals are in, failure rolls it back. The run's
   * outcome is recorded once; a redelivered or replayed completion finds it recorded and changes nothing.
   */
  onRunCompleted(m: Manager, p: EventPayload<'governance.run.completed'>): Promise<void> {
    return this.followRunCompletion(m, p, false);
  }

  private async followRunTransition(
    m: Manager,
    p: EventPayload<'governance.run.transitioned'>,
    locked: boolean,
  ): Promise<void> {
    if (!p.promotion_id || p.step !== null || p.to_status !== 'in_progress') return;
    const promotion = await this.promotionOfRun(
      m,
      p.promotion_id,
      p.run_id,
      locked,
      (x) => x.status === 'scheduled',
    );
    if (!promotion) return;
    await this.change(m, promotion, 'in_progress', 'run_started', p.actor, 'governance run started');
  }

  private async followRunCompletion(
    m: Manager,
    p: EventPayload<'governance.run.completed'>,
    locked: boolean,
  ): Promise<void> {
    if (!p.promotion_id) return;
    const promotion = await this.promotionOfRun(
      m,
      p.promotion_id,
      p.run_id,
      locked,
      (x) => x.run_status === null,
    );
    if (!promotion) return;
    const row = await this.repo.updateIfVersion(m, promotion.id, promotion.version, { run_status: p.status });
    if (!row) throw new Error(`promotion ${promotion.id} changed under its track lock`);
    if (!isOpen(row.status)) return;
    if (p.status === 'succeeded') {
      await this.advance(m, row, p.actor ?? null);
      return;
    }
    await this.change(m, row, 'rolled_back', 'run_completed', p.actor ?? null, `governance run ${p.status}`);
  }

  /**
   * The run's promotion, read under its track's lock, when the run's outcome (`due`) is still to be applied to it.
   * The run's own transaction already holds that lock (`locked`). The projection of the run's event, which nearly
   * always finds the outcome applied by that transaction, looks first without the lock: an outcome is applied once
   * and never undone (a promotion leaves `scheduled` for good, its run_status is set once), so a promotion found past
   * it needs no lock, and the inbox transaction does not hold the track's lock, stalling its writers, for the rest of
   * its chunk.
   */
  private async promotionOfRun(
    m: Manager,
    promotionId: string,
    runId: string,
    locked: boolean,
    due: (p: PromotionRow) => boolean,
  ): Promise<PromotionRow | undefined> {
    if (!locked) {
      const seen = await this.repo.findById(m, promotionId);
      if (seen?.governance_run_id !== runId || !due(seen)) return undefined;
      if (!(await this.tracks.lockOfPromotion(m, promotionId))) return undefined;
    }
    const promotion = await this.repo.findById(m, promotionId);
    return promotion?.governance_run_id === runId && due(promotion) ? promotion : undefined;
  }

  /** Moves an open promotion as far as its run and approvals allow: approved, or active (superseding the stage). */
  private async advance(m: Manager, p: PromotionRow, actor: string | null): Promise<PromotionRow> {
    if (!isOpen(p.status)) return p;
    const runOk = p.governance_run_id === null || p.run_status === 'succeeded';
    // Nothing can move yet: no approvals to count, and the run has not succeeded.
    if (!runOk && p.approvals_required === 0) return p;
    // No approvals to count: none required and no role asked for.
    const approvals =
      p.approvals_required === 0 && p.approval_role === null
        ? []
        : (await this.repo.approvals(m, p.id)).filter((a) => a.decision === 'approved');
    const role = p.approval_role as Role | null;
    const approved =
      approvals.length >= p.approvals_required &&
      (role === null || approvals.filter((a) => this.holds(a.role, role)).length >= p.approvals_with_role);
    if (approved && runOk) {
      const current = await this.repo.findActive(m, p.track_id, p.stage);
      if (current && current.id !== p.id)
        await this.change(m, current, 'superseded', 'superseded', actor, `superseded by promotion ${p.id}`);
      return this.change(
        m,
        p,
        'active',
        'activated',
        actor,
        p.governance_run_id ? 'governance run succeeded and approvals are in' : 'approvals are in',
      );
    }
    if (approved && p.approvals_required > 0 && p.status !== 'approved')
      return this.change(m, p, 'approved', 'approvals_complete', actor, 'approvals are in');
    return p;
  }

  /** One status change: the versioned write, its audit entry and its event. */
  private async change(
    m: Manager,
    p: PromotionRow,
    to: PromotionStatus,
    action: string,
    actor: string | null,
    reason: string,
  ): Promise<PromotionRow> {
    const row = await this.repo.updateIfVersion(
      m,
      p.id,
      p.version,
      { status: to, reason },
      { action, from: p.status, actor, note: reason },
    );
    if (!row) throw await this.staleOrMissing(m, p.id);
    await this.outbox.publish(m, 'promotion.status_changed', statusChangedEvent(row, p.status, actor));
    return row;
  }

  /**
   * Blocks a digest on a track: no schedule of it passes until an admin lifts the block, and its other open
   * promotions on the track are rejected now, so it can never become active there.
   */
  private async block(
    m: Manager,
    track: TrackRow,
    p: PromotionRow,
    kind: 'rejected' | 'rollback_hold',
    actor: string | null,
    reason: string,
  ): Promise<void> {
    if (!(await this.repo.findActiveBlock(m, track.id, p.manifest_digest))) {
      const block = await this.repo.insertBlock(m, {
        id: randomUUID(),
        track_id: track.id,
        manifest_digest: p.manifest_digest,
        kind,
        promotion_id: p.id,
        reason,
        placed_by: actor,
      });
      await this.outbox.publish(m, 'promotion.block.changed', blockChangedEvent(block));
    }
    for (const other of await this.repo.findOpen(m, track.id, p.manifest_digest))
      await this.closeOpen(m, other, actor, `digest ${p.manifest_digest} blocked on the track (${kind})`);
    if (p.governance_run_id && kind === 'rejected') await this.cancelRun(m, p.governance_run_id, actor);
  }

  private async closeOpen(m: Manager, p: PromotionRow, actor: string | null, reason: string): Promise<void> {
    await this.change(m, p, 'rejected', 'blocked', actor, reason);
    if (p.governance_run_id) await this.cancelRun(m, p.governance_run_id, actor);
  }

  /** A closed promotion's run has nothing left to certify; a run already final stays as it is. */
  private async cancelRun(m: Manager, runId: string, actor: string | null): Promise<void> {
    await this.runs.cancelIfOpen(m, runId, actor, 'promotion closed');
  }

  private holds(role: string | null, required: Role): boolean {
    const r = asRole(role);
    return r !== undefined && roleSatisfies(r, required);
  }

  private async lockTrack(m: Manager, id: string): Promise<TrackRow> {
    const track = await this.tracks.lock(m, id);
    if (!track)
      throw new PromotionException(PromotionErrorCode.TRACK_NOT_FOUND, `No promotion track with id ${id}.`);
    return track;
  }

  /** Finds the promotion, locks its track, and checks it is open, at `version`, and that the caller is known. */
  private async lockForDecision(
    m: Manager,
    id: string,
    version: number | undefined,
    caller: Caller,
    what: 'approve' | 'reject',
  ): Promise<{ promotion: PromotionRow; track: TrackRow }> {
    if (!caller.subject)
      throw new PromotionException(
        PromotionErrorCode.SUBJECT_REQUIRED,
        `Only an identified caller may ${what} a promotion (no x-mcp-host-subject).`,
      );
    const first = await this.repo.findById(m, id);
    if (!first) throw new PromotionException(PromotionErrorCode.NOT_FOUND, `No promotion with id ${id}.`);
    const track = await this.lockTrack(m, first.track_id);
    const promotion = (await this.repo.findById(m, id))!;
    if (version !== undefined && version !== promotion.version) throw this.conflict(promotion);
    if (!isOpen(promotion.status))
      throw new PromotionException(
        PromotionErrorCode.INVALID_TRANSITION,
        `Promotion ${id} is ${promotion.status}; only a scheduled, in_progress or approved promotion can be ${what === 'approve' ? 'approved' : 'rejected'}.`,
        { from: promotion.status, to: what === 'approve' ? 'approved' : 'rejected' },
      );
    return { promotion, track };
  }

  private async detailIn(m: Manager, id: string): Promise<PromotionDetail> {
    const row = await this.repo.findDetail(m, id);
    if (!row) throw new PromotionException(PromotionErrorCode.NOT_FOUND, `No promotion with id ${id}.`);
    const { approvals, audit } = row;
    return {
      ...toPromotion(row),
      approvals: approvals.map((a) => ({ ...a, created_at: iso(a.created_at) })),
      audit_log: audit.map((a) => ({ ...a, id: Number(a.id), created_at: iso(a.created_at) })),
    };
  }

  private conflict(p: PromotionRow): PromotionException {
    return new PromotionException(
      PromotionErrorCode.VERSION_CONFLICT,
      `Promotion ${p.id} is at version ${p.version}; reload it and try again.`,
      { current_version: p.version },
    );
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleOrMissing(m: Manager, id: string): Promise<PromotionException> {
    const current = await this.repo.findById(m, id);
    if (!current) return new PromotionException(PromotionErrorCode.NOT_FOUND, `No promotion with id ${id}.`);
    return this.conflict(current);
  }
}

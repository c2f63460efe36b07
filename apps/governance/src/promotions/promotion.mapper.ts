// Rows to API responses and event payloads, so every promotion event carries the same fields.
import type { EventPayload, PromotionStatus } from '@mcp-host/contracts';
import type { Promotion, PromotionBlock, Track } from './promotion.dto';
import type { BlockRow, PromotionRow } from './promotion.repository';
import type { TrackRow } from './track.repository';

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());

export function toTrack(r: TrackRow): Track {
  return {
    id: r.id,
    name: r.name,
    stages: r.stages,
    workflow_id: r.workflow_id,
    stage_workflows: r.stage_workflows,
    stage_tiers: r.stage_tiers,
    stage_approvals: r.stage_approvals,
    description: r.description,
    owner: r.owner,
    version: r.version,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

export function toPromotion(r: PromotionRow): Promotion {
  return {
    id: r.id,
    track_id: r.track_id,
    manifest_digest: r.manifest_digest,
    stage: r.stage,
    tier: r.tier,
    artifact_run_id: r.artifact_run_id,
    status: r.status,
    governance_run_id: r.governance_run_id,
    run_status: r.run_status,
    approvals_required: r.approvals_required,
    approval_role: r.approval_role,
    approvals_with_role: r.approvals_with_role,
    note: r.note,
    reason: r.reason,
    scheduled_by: r.scheduled_by,
    rollback: r.rollback,
    rollback_of: r.rollback_of,
    version: r.version,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    activated_at: iso(r.activated_at),
  };
}

export function toBlock(r: BlockRow): PromotionBlock {
  return {
    id: r.id,
    track_id: r.track_id,
    manifest_digest: r.manifest_digest,
    kind: r.kind,
    promotion_id: r.promotion_id,
    reason: r.reason,
    placed_by: r.placed_by,
    created_at: iso(r.created_at)!,
    lifted_by: r.lifted_by,
    lifted_at: iso(r.lifted_at),
    lift_note: r.lift_note,
  };
}

export function scheduledEvent(p: PromotionRow): EventPayload<'promotion.scheduled'> {
  return {
    promotion_id: p.id,
    track_id: p.track_id,
    manifest_digest: p.manifest_digest,
    stage: p.stage,
    tier: p.tier,
    artifact_run_id: p.artifact_run_id,
    status: p.status,
    governance_run_id: p.governance_run_id,
    note: p.note,
    scheduled_by: p.scheduled_by,
    version: p.version,
    scheduled_at: iso(p.created_at)!,
    rollback: p.rollback,
    rollback_of: p.rollback_of,
  };
}

export function statusChangedEvent(
  p: PromotionRow,
  from: PromotionStatus,
  actor: string | null,
): EventPayload<'promotion.status_changed'> {
  return {
    promotion_id: p.id,
    track_id: p.track_id,
    manifest_digest: p.manifest_digest,
    stage: p.stage,
    tier: p.tier,
    artifact_run_id: p.artifact_run_id,
    from_status: from,
    to_status: p.status,
    governance_run_id: p.governance_run_id,
    reason: p.reason,
    version: p.version,
    changed_at: iso(p.updated_at)!,
    actor,
    rollback: p.rollback,
  };
}

export function blockChangedEvent(b: BlockRow): EventPayload<'promotion.block.changed'> {
  return {
    block_id: b.id,
    track_id: b.track_id,
    manifest_digest: b.manifest_digest,
    kind: b.kind,
    promotion_id: b.promotion_id,
    active: b.lifted_at === null,
    reason: b.reason,
    placed_by: b.placed_by,
    lifted_by: b.lifted_by,
    changed_at: iso(b.lifted_at ?? b.created_at)!,
  };
}

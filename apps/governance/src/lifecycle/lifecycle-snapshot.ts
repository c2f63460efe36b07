// Computes one server's lifecycle console row from what governance holds about it. Pure: the same inputs give the
// same snapshot content, so a recomputation that changes nothing is recognised by its hash and records nothing.
import { createHash } from 'node:crypto';
import type { LifecycleSnapshot, LifecycleState } from '@mcp-host/contracts';
import type {
  LedgerSummaryRow,
  MarketplaceRow,
  PromotionRow,
  RunRow,
  ServerRow,
  TrustPostureRow,
} from './lifecycle.repository';

/** Runs and promotions a console row shows. */
export const RECENT_RUNS = 5;
export const RECENT_PROMOTIONS = 5;

/** The content of a snapshot: everything but its version and time, which the store assigns. */
export type SnapshotContent = Omit<LifecycleSnapshot, 'version' | 'updated_at' | 'delta' | 'heartbeat'>;

export interface SnapshotInputs {
  serverId: string;
  server: ServerRow | undefined;
  ledger: LedgerSummaryRow;
  promotions: PromotionRow[];
  trust: TrustPostureRow[];
  runs: RunRow[];
  openRuns: number;
  marketplace: MarketplaceRow | undefined;
}

const OPEN_PROMOTION = new Set(['scheduled', 'in_progress', 'approved']);

const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

/** `ready` when the catalog lists a built artifact with no health issues; `watchlist`, `degraded` otherwise. */
export function marketplaceReadiness(m: MarketplaceRow | undefined): string | null {
  if (!m) return null;
  if (m.tier.startsWith('watchlist')) return 'watchlist';
  if (m.issues.length > 0 || (m.build_status !== null && m.build_status !== 'succeeded')) return 'degraded';
  return 'ready';
}

/** The trust registry's verdict for the server: its most recently moved instance, as `status/lifecycle`. */
export function trustPosture(t: TrustPostureRow | undefined): string | null {
  return t ? `${t.status}/${t.lifecycle_state}` : null;
}

export function lifecycleState(i: SnapshotInputs): LifecycleState {
  if (i.server?.deleted) return 'deleted';
  if (i.trust.some((t) => t.lifecycle_state === 'quarantined')) return 'quarantined';
  if (i.openRuns > 0) return 'remediating';
  const latest = i.promotions[0];
  if (latest && OPEN_PROMOTION.has(latest.status)) return 'promoting';
  if (latest && (latest.status === 'rejected' || latest.blocked)) return 'blocked';
  if (latest?.status === 'rolled_back') return 'rolled_back';
  if (i.promotions.some((p) => p.status === 'active')) return 'active';
  if (i.ledger.artifacts > 0) return 'built';
  return 'registered';
}

function ledgerSummary(l: LedgerSummaryRow): string {
  return `${l.artifacts} build${l.artifacts === 1 ? '' : 's'}, ${l.succeeded} succeeded`;
}

export function computeSnapshot(i: SnapshotInputs): SnapshotContent {
  const latest = i.promotions[0];
  const active = i.promotions.find((p) => p.status === 'active') ?? null;
  const trust = i.trust[0];
  const readiness = marketplaceReadiness(i.marketplace);
  const posture = trustPosture(trust);
  const verdictRef = latest ? `promotion:${latest.id}:${latest.status}` : null;
  const gate: string[] = [];
  if (i.ledger.latest_status) gate.push(`ledger:${i.ledger.latest_status}`);
  if (latest) {
    gate.push(`promotion:${latest.status}`);
    if (latest.run_status) gate.push(`governance:${latest.run_status}`);
    if (latest.approvals_required > 0)
      gate.push(`approval:${latest.approvers.length}/${latest.approvals_required}`);
    if (latest.blocked) gate.push('block:active');
  }
  if (i.marketplace) gate.push(`marketplace:${i.marketplace.tier}`);
  if (trust) gate.push(`trust:${trust.status}`);

  const provenance: Record<string, unknown> | null =
    i.ledger.latest_run_id || trust
      ? {
          artifact_run_id: i.ledger.latest_run_id,
          manifest_digest: i.ledger.latest_digest,
          built_at: iso(i.ledger.latest_completed_at),
          governance_run_id: latest?.governance_run_id ?? null,
          vm_instance_id: trust?.vm_instance_id ?? null,
          trust: trust?.provenance ?? null,
        }
      : null;

  const runs = i.runs.map((r) => {
    const started = r.started_at ?? r.created_at;
    const durationMs =
      r.finished_at && started
        ? Math.max(0, new Date(r.finished_at).getTime() - new Date(started).getTime())
        : null;
    const runTrust = i.trust.find((t) => t.vm_instance_id === r.instance_id) ?? trust;
    const overrides = [...new Set([...(r.approver ? [r.approver] : []), ...(latest?.approvers ?? [])])];
    const fingerprints = [
      ...new Set([...r.digests, ...(i.ledger.latest_digest ? [i.ledger.latest_digest] : [])]),
    ];
    return {
      run_id: r.id,
      playbook: r.playbook,
      status: r.status,
      attempt: r.attempt,
      retries: Math.max(0, r.attempt - 1),
      ledger: r.entries.map((e) => `${e.attempt}:${e.status}${e.reason ? `:${e.reason}` : ''}`),
      duration_ms: durationMs,
      duration_seconds: durationMs === null ? null : Math.floor(durationMs / 1000),
      override_actor: r.approver,
      override_actors: overrides,
      promotion_verdict_ref: verdictRef,
      artifact_fingerprint: fingerprints[0] ?? null,
      artifact_fingerprints: fingerprints,
      ledger_summary: ledgerSummary(i.ledger),
      trust_posture: trustPosture(runTrust),
      marketplace_readiness: readiness,
      provenance: {
        playbook: r.playbook,
        executor_type: r.executor_type,
        owner: r.owner,
        instance_id: r.instance_id,
        approval_state: r.approval_state,
        failure_reason: r.failure_reason,
        trust: runTrust?.provenance ?? null,
      },
      started_at: iso(r.started_at),
      completed_at: iso(r.finished_at),
    };
  });

  const promotionView = (p: PromotionRow) => ({
    promotion_id: p.id,
    track_id: p.track_id,
    track: p.track,
    stage: p.stage,
    tier: p.tier,
    status: p.status,
    manifest_digest: p.manifest_digest,
    governance_run_id: p.governance_run_id,
    run_status: p.run_status,
    approvals: p.approvers.length,
    approvals_required: p.approvals_required,
    rollback: p.rollback,
    updated_at: iso(p.updated_at) ?? '',
  });

  return {
    server_id: i.serverId,
    server_name: i.server?.name ?? i.marketplace?.server_name ?? i.serverId,
    lifecycle_state: lifecycleState(i),
    owner_id: i.server?.owner ?? latest?.track_owner ?? i.runs.find((r) => r.owner)?.owner ?? null,
    promotion_lane: latest ? `${latest.track}/${latest.stage}` : null,
    manifest_digest: i.ledger.latest_digest,
    artifact_run_id: i.ledger.latest_run_id,
    gate_verdicts: gate,
    trust_posture: posture,
    marketplace_readiness: readiness,
    active_promotion_id: active?.id ?? null,
    recent_remediation_runs: runs,
    promotion: latest ? promotionView(latest) : null,
    promotion_history: i.promotions.map(promotionView),
    ledger: {
      artifacts: i.ledger.artifacts,
      succeeded: i.ledger.succeeded,
      latest_digest: i.ledger.latest_digest,
      latest_status: i.ledger.latest_status,
      latest_completed_at: iso(i.ledger.latest_completed_at),
    },
    retries_total: runs.reduce((n, r) => n + r.retries, 0),
    provenance,
  };
}

/** Remediation runs a list row carries; the stored snapshot (and its stream delta) keeps RECENT_RUNS of them. */
export const LIST_RUNS = 3;

/**
 * The list row of a snapshot as the JSON text `GET /api/lifecycle` returns for it, written with the snapshot so a page
 * is built by joining stored strings: neither Postgres (jsonb to text) nor node (parse, then serialize the page) does
 * per-request work proportional to the snapshot. It is what `mcpctl lifecycle list` renders: every required field of
 * the snapshot, `promotion`, `ledger`, `retries_total` and `provenance`, and the newest LIST_RUNS runs with all their
 * per-run fields. `promotion_history` and the older runs (about half of a snapshot's bytes) stay on the stream's
 * deltas, which carry the whole snapshot.
 */
export function listRow(body: SnapshotContent & Pick<LifecycleSnapshot, 'version' | 'updated_at'>): string {
  const { promotion_history: _history, ...rest } = body;
  // Replacing the runs keeps their place among the keys: a list item reads in the snapshot's field order.
  const row: Omit<LifecycleSnapshot, 'promotion_history'> = {
    ...rest,
    recent_remediation_runs: rest.recent_remediation_runs.slice(0, LIST_RUNS),
  };
  return JSON.stringify(row);
}

export function contentHash(c: SnapshotContent): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex');
}

/** Which parts of the console row changed, named the way the stream reports them. */
export function changedParts(before: Record<string, unknown> | undefined, after: SnapshotContent): string[] {
  if (!before) return ['created'];
  const parts: [string, (keyof SnapshotContent)[]][] = [
    ['lifecycle_state', ['lifecycle_state']],
    ['owner', ['owner_id', 'server_name']],
    ['promotion', ['promotion', 'promotion_lane', 'active_promotion_id', 'promotion_history']],
    ['gate_verdicts', ['gate_verdicts']],
    ['remediation', ['recent_remediation_runs', 'retries_total']],
    ['trust_posture', ['trust_posture']],
    ['marketplace_readiness', ['marketplace_readiness']],
    ['ledger', ['ledger', 'manifest_digest', 'artifact_run_id']],
    ['provenance', ['provenance']],
  ];
  const out: string[] = [];
  for (const [name, keys] of parts) {
    if (keys.some((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)))
      out.push(name);
  }
  return out;
}

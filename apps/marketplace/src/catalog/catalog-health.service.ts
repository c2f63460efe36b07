// Re-grades artifact runs whenever one of their signals changes (a run recorded, a server edited, a certification
// written, retried or expired, a tier's requirements set), rewrites their list entries and announces every tier that
// changed (`marketplace.tier.changed`, which the policy engine projects), and re-renders their list rows, in the
// caller's transaction.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { OutboxService, type Manager } from '@mcp-host/platform';
import { Clock } from '../common/clock';
import { EvaluationRepository } from '../evaluations/evaluation.repository';
import { TierRequirementRepository } from '../evaluations/tier-requirement.repository';
import { CatalogRenderer, lockServers } from './catalog-renderer.service';
import { CatalogRepository } from './catalog.repository';
import { deriveHealth } from './derive-health';

/** Servers re-graded per statement batch when a whole tier changes. */
const BATCH = 500;

@Injectable()
export class CatalogHealth {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly requirements: TierRequirementRepository,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly renderer: CatalogRenderer,
  ) {}

  async refreshServers(m: Manager, serverIds: readonly string[]): Promise<void> {
    const ids = [...new Set(serverIds)];
    for (let i = 0; i < ids.length; i += BATCH) await this.refreshBatch(m, ids.slice(i, i + BATCH));
  }

  /** Every server whose target tier is `tier`, after that tier's requirements changed. */
  async refreshTier(m: Manager, tier: string): Promise<void> {
    await this.refreshServers(m, await this.catalog.serverIdsOfTier(m, tier));
  }

  private async refreshBatch(m: Manager, serverIds: string[]): Promise<void> {
    // A server's registration and its first run arrive on different topics and are projected concurrently. Without
    // this lock each transaction grades before the other's write is visible (the run sees no server type, the
    // server sees no run), neither announces a tier, and the policy engine never learns the grade. Holding a
    // per-server lock until commit makes the second one read after the first committed, so it sees both rows. The
    // locks are taken in id order so that two batches never wait on each other.
    await lockServers(m, serverIds);
    const now = this.clock.now();
    const runs = await this.catalog.healthInputs(m, serverIds);
    const certs = await this.evaluations.forArtifacts(
      m,
      runs.map((r) => r.id),
      now,
    );
    const required = new Map((await this.requirements.all(m)).map((t) => [t.tier, t.requirements]));
    const changed: { id: string; grade: string; issues: string[] }[] = [];
    const announced: EventPayload<'marketplace.tier.changed'>[] = [];
    for (const run of runs) {
      const health = deriveHealth({
        build: run,
        certifications: {
          targetTier: run.server_tier,
          required: run.server_tier === null ? [] : (required.get(run.server_tier) ?? []),
          records: certs
            .filter((c) => c.artifact_run_id === run.id)
            .map((c) => ({
              tier: c.tier,
              policy_requirement: c.policy_requirement,
              status: c.effective_status,
            })),
        },
      });
      const issuesChanged = JSON.stringify(health.issues) !== JSON.stringify(run.health_issues);
      if (health.grade !== run.health_grade || issuesChanged) changed.push({ id: run.id, ...health });
      if (run.server_type === null) continue;
      const tier = `${health.grade}:${run.server_type}`;
      if (tier.toLowerCase() !== run.listed_tier_key || issuesChanged) {
        announced.push({
          artifact_run_id: run.id,
          server_id: run.server_id,
          from_tier: run.listed_tier_key === null ? null : `${run.health_grade}:${run.server_type}`,
          to_tier: tier,
          issues: health.issues,
          changed_at: now.toISOString(),
        });
      }
    }
    await this.catalog.setHealth(m, changed);
    await this.outbox.publishMany(
      m,
      announced.map((payload) => ({ type: 'marketplace.tier.changed' as const, payload })),
    );
    await this.catalog.syncServers(m, serverIds);
    await this.renderer.renderServers(m, serverIds);
  }
}

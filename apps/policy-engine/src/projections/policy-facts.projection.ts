// Projects what the policy engine decides on from other services' events: ledger artifacts, marketplace health,
// certifications and tier requirements, governance runs and promotions. Facts that can release a held launch
// (a governance run completing, a promotion turning active, a passing certification, new tier requirements)
// re-evaluate the held launches they concern in the same transaction.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { ServerRuntimeService } from '../runtime/server-runtime.service';
import { PolicyFactsRepository } from './policy-facts.repository';

@Injectable()
export class PolicyFactsProjection {
  constructor(
    private readonly facts: PolicyFactsRepository,
    private readonly runtime: ServerRuntimeService,
  ) {}

  @EventHandler('artifact.recorded')
  async onArtifact(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertArtifact(ctx.manager, {
      id: p.id,
      server_id: p.server_id,
      registry_image: p.registry_image,
      manifest_digest: p.manifest_digest,
      status: p.status,
      credential_health_status: p.credential_health_status,
      completed_at: p.completed_at,
    });
  }

  @EventHandler('marketplace.entry.upserted')
  async onMarketplaceEntry(p: EventPayload<'marketplace.entry.upserted'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertMarketplaceHealth(ctx.manager, {
      server_id: p.server_id,
      artifact_run_id: p.artifact_run_id,
      health_tier: p.tier,
      issues: p.health.issues,
      updated_at: p.updated_at,
    });
  }

  @EventHandler('marketplace.tier.changed')
  async onTierChanged(p: EventPayload<'marketplace.tier.changed'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertMarketplaceHealth(ctx.manager, {
      server_id: p.server_id,
      artifact_run_id: p.artifact_run_id,
      health_tier: p.to_tier,
      issues: p.issues,
      updated_at: p.changed_at,
    });
  }

  @EventHandler('evaluation.certification.upserted')
  async onCertification(
    p: EventPayload<'evaluation.certification.upserted'>,
    ctx: EventContext,
  ): Promise<void> {
    await this.applyCertification(p, ctx);
    if (p.status === 'pass') {
      await this.runtime.redeployPaused(ctx.manager, {
        tier: p.tier,
        manifestDigest: p.manifest_digest,
        artifactRunId: p.artifact_run_id,
        by: `evaluation:${p.id}`,
      });
    }
  }

  @EventHandler('evaluation.certification.retried')
  async onCertificationRetried(
    p: EventPayload<'evaluation.certification.retried'>,
    ctx: EventContext,
  ): Promise<void> {
    await this.applyCertification(p, ctx);
  }

  private async applyCertification(
    p: EventPayload<'evaluation.certification.upserted'>,
    ctx: EventContext,
  ): Promise<void> {
    await this.facts.upsertCertification(ctx.manager, {
      id: p.id,
      artifact_run_id: p.artifact_run_id,
      manifest_digest: p.manifest_digest,
      tier: p.tier,
      policy_requirement: p.policy_requirement,
      status: p.status,
      valid_from: p.valid_from,
      valid_until: p.valid_until,
      version: p.version ?? 1,
      updated_at: p.updated_at,
    });
  }

  @EventHandler('evaluation.certification.expired')
  async onCertificationExpired(
    p: EventPayload<'evaluation.certification.expired'>,
    ctx: EventContext,
  ): Promise<void> {
    // The row itself is the one the marketplace holds; a missing one (expiry seen before the upsert) is created.
    await this.applyCertification(p, ctx);
    await this.facts.expireCertification(ctx.manager, p.id, p.version);
  }

  @EventHandler('evaluation.requirements.set')
  async onRequirementsSet(p: EventPayload<'evaluation.requirements.set'>, ctx: EventContext): Promise<void> {
    await this.facts.setTierRequirements(ctx.manager, {
      tier: p.tier,
      requirements: p.requirements,
      version: p.version,
      updated_at: p.updated_at,
    });
    // Fewer requirements can release a held launch of the tier.
    await this.runtime.redeployPaused(ctx.manager, {
      tier: p.tier,
      manifestDigest: null,
      artifactRunId: null,
      by: `evaluation-requirements:${p.tier}`,
    });
  }

  @EventHandler('governance.run.started')
  async onRunStarted(p: EventPayload<'governance.run.started'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertGovernanceRun(ctx.manager, {
      run_id: p.run_id,
      workflow_id: p.workflow_id,
      tier: p.tier,
      artifact_run_id: p.artifact_run_id,
      manifest_digest: p.manifest_digest,
      promotion_id: p.promotion_id,
      policy_decision_id: p.policy_decision_id,
      status: p.status,
      version: p.version,
      updated_at: p.started_at,
    });
  }

  @EventHandler('governance.run.transitioned')
  async onRunTransitioned(p: EventPayload<'governance.run.transitioned'>, ctx: EventContext): Promise<void> {
    await this.facts.transitionGovernanceRun(
      ctx.manager,
      p.run_id,
      p.to_status,
      p.version,
      p.transitioned_at,
    );
  }

  @EventHandler('governance.run.completed')
  async onRunCompleted(p: EventPayload<'governance.run.completed'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertGovernanceRun(ctx.manager, {
      run_id: p.run_id,
      workflow_id: p.workflow_id,
      tier: p.tier,
      artifact_run_id: p.artifact_run_id,
      manifest_digest: p.manifest_digest,
      promotion_id: p.promotion_id,
      policy_decision_id: p.policy_decision_id,
      status: p.status,
      version: p.version,
      updated_at: p.completed_at,
    });
    if (p.status === 'succeeded') {
      await this.runtime.redeployPaused(ctx.manager, {
        tier: p.tier,
        manifestDigest: p.manifest_digest,
        artifactRunId: p.artifact_run_id,
        decisionId: p.policy_decision_id,
        governanceRunId: p.run_id,
        by: `governance-run:${p.run_id}`,
      });
    }
  }

  @EventHandler('promotion.scheduled')
  async onPromotionScheduled(p: EventPayload<'promotion.scheduled'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertPromotion(ctx.manager, {
      promotion_id: p.promotion_id,
      track_id: p.track_id,
      manifest_digest: p.manifest_digest,
      stage: p.stage,
      tier: p.tier,
      artifact_run_id: p.artifact_run_id,
      status: p.status,
      governance_run_id: p.governance_run_id,
      version: p.version,
      updated_at: p.scheduled_at,
    });
  }

  @EventHandler('promotion.approved')
  async onPromotionApproved(p: EventPayload<'promotion.approved'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertPromotion(ctx.manager, {
      promotion_id: p.promotion_id,
      track_id: p.track_id,
      manifest_digest: p.manifest_digest,
      stage: p.stage,
      tier: p.tier,
      // Absent fields keep what an earlier event stored (the upsert coalesces them).
      artifact_run_id: p.artifact_run_id ?? null,
      status: p.status,
      governance_run_id: null,
      version: p.version,
      updated_at: p.approved_at,
    });
  }

  @EventHandler('promotion.status_changed')
  async onPromotionStatus(p: EventPayload<'promotion.status_changed'>, ctx: EventContext): Promise<void> {
    await this.facts.upsertPromotion(ctx.manager, {
      promotion_id: p.promotion_id,
      track_id: p.track_id,
      manifest_digest: p.manifest_digest,
      stage: p.stage,
      tier: p.tier,
      artifact_run_id: p.artifact_run_id,
      status: p.to_status,
      governance_run_id: p.governance_run_id,
      version: p.version,
      updated_at: p.changed_at,
    });
    if (p.to_status === 'active') {
      await this.runtime.redeployPaused(ctx.manager, {
        tier: p.tier,
        manifestDigest: p.manifest_digest,
        artifactRunId: p.artifact_run_id,
        by: `promotion:${p.promotion_id}`,
      });
    }
  }
}

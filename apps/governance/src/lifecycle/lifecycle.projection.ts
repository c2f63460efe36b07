// Keeps the lifecycle console current by following the events that change what a console row shows: servers, the
// artifact ledger, the marketplace catalog, and governance's own promotions, governance run completions, trust
// registry moves and remediation runs. Each handler resolves the servers the event is about and marks them; their
// snapshots are recomputed once each in the event's inbox transaction, just before it commits, after every event of
// the consumer's chunk was applied (the tables the events were written with are committed by then).
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext, type Manager } from '@mcp-host/platform';
import { LifecycleRepository } from './lifecycle.repository';
import { LifecycleService } from './lifecycle.service';

@Injectable()
export class LifecycleProjection {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly repo: LifecycleRepository,
  ) {}

  @EventHandler('server.registered')
  async onServerRegistered(p: EventPayload<'server.registered'>, ctx: EventContext): Promise<void> {
    await this.lifecycle.refreshAtCommit(ctx.manager, [p.id]);
  }

  @EventHandler('server.updated')
  async onServerUpdated(p: EventPayload<'server.updated'>, ctx: EventContext): Promise<void> {
    await this.lifecycle.refreshAtCommit(ctx.manager, [p.id]);
  }

  @EventHandler('server.deleted')
  async onServerDeleted(p: EventPayload<'server.deleted'>, ctx: EventContext): Promise<void> {
    await this.lifecycle.refreshAtCommit(ctx.manager, [p.id]);
  }

  @EventHandler('artifact.recorded')
  async onArtifact(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    // The digest may already be promoted on behalf of another server that built it too.
    const servers = p.manifest_digest ? await this.repo.serversOfDigest(ctx.manager, p.manifest_digest) : [];
    await this.lifecycle.refreshAtCommit(ctx.manager, [p.server_id, ...servers]);
  }

  @EventHandler('marketplace.entry.upserted')
  async onCatalogEntry(p: EventPayload<'marketplace.entry.upserted'>, ctx: EventContext): Promise<void> {
    if (await this.repo.upsertMarketplace(ctx.manager, p))
      await this.lifecycle.refreshAtCommit(ctx.manager, [p.server_id]);
  }

  @EventHandler('marketplace.tier.changed')
  async onTierChanged(p: EventPayload<'marketplace.tier.changed'>, ctx: EventContext): Promise<void> {
    if (await this.repo.applyTierChange(ctx.manager, p))
      await this.lifecycle.refreshAtCommit(ctx.manager, [p.server_id]);
  }

  @EventHandler('promotion.scheduled')
  async onPromotionScheduled(p: EventPayload<'promotion.scheduled'>, ctx: EventContext): Promise<void> {
    await this.byDigest(ctx.manager, p.manifest_digest);
  }

  @EventHandler('promotion.approved')
  async onPromotionApproved(p: EventPayload<'promotion.approved'>, ctx: EventContext): Promise<void> {
    await this.byDigest(ctx.manager, p.manifest_digest);
  }

  @EventHandler('promotion.status_changed')
  async onPromotionStatus(p: EventPayload<'promotion.status_changed'>, ctx: EventContext): Promise<void> {
    await this.byDigest(ctx.manager, p.manifest_digest);
  }

  @EventHandler('promotion.block.changed')
  async onPromotionBlock(p: EventPayload<'promotion.block.changed'>, ctx: EventContext): Promise<void> {
    await this.byDigest(ctx.manager, p.manifest_digest);
  }

  // A snapshot reads no governance run, only its promotion's row. A run's start and transitions change that row only
  // through a promotion status change, which publishes promotion.status_changed (followed above); its completion also
  // records run_status on the promotion, with no promotion event when the promotion does not move (approvals still
  // due, or already closed), so only the completion is followed.
  @EventHandler('governance.run.completed')
  async onRunCompleted(p: EventPayload<'governance.run.completed'>, ctx: EventContext): Promise<void> {
    await this.lifecycle.refreshAtCommit(
      ctx.manager,
      await this.repo.serversOfRun(ctx.manager, p.promotion_id, p.manifest_digest),
    );
  }

  @EventHandler('trust.registry.transitioned')
  async onTrust(p: EventPayload<'trust.registry.transitioned'>, ctx: EventContext): Promise<void> {
    await this.lifecycle.refreshAtCommit(ctx.manager, [p.server_id]);
  }

  @EventHandler('remediation.run.enqueued')
  async onRunEnqueued(p: EventPayload<'remediation.run.enqueued'>, ctx: EventContext): Promise<void> {
    const server = await this.repo.serverOfInstance(ctx.manager, p.instance_id, p.payload);
    if (!server) return;
    await this.repo.appendLedger(ctx.manager, p.run_id, server, {
      attempt: p.attempt,
      status: p.status,
      reason: null,
      duration_ms: null,
      at: p.enqueued_at,
    });
    await this.lifecycle.refreshAtCommit(ctx.manager, [server]);
  }

  @EventHandler('remediation.run.status_changed')
  async onRunStatus(p: EventPayload<'remediation.run.status_changed'>, ctx: EventContext): Promise<void> {
    const server = await this.serverOfRun(ctx.manager, p.run_id, p.instance_id, p.payload ?? {});
    if (!server) return;
    await this.repo.appendLedger(ctx.manager, p.run_id, server, {
      attempt: p.attempt,
      status: p.to_status,
      reason: p.reason,
      duration_ms: p.duration_ms,
      at: p.changed_at,
    });
    await this.lifecycle.refreshAtCommit(ctx.manager, [server]);
  }

  @EventHandler('remediation.run.approved')
  async onRunApproved(p: EventPayload<'remediation.run.approved'>, ctx: EventContext): Promise<void> {
    await this.byRun(ctx.manager, p.run_id);
  }

  @EventHandler('remediation.artifact.recorded')
  async onRunArtifact(p: EventPayload<'remediation.artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.byRun(ctx.manager, p.run_id);
  }

  private async byDigest(m: Manager, digest: string): Promise<void> {
    await this.lifecycle.refreshAtCommit(m, await this.repo.serversOfDigest(m, digest));
  }

  private async serverOfRun(
    m: Manager,
    runId: string,
    instanceId: string,
    payload: Record<string, unknown>,
  ): Promise<string | null> {
    return (
      (await this.repo.runServer(m, runId)) ?? (await this.repo.serverOfInstance(m, instanceId, payload))
    );
  }

  private async byRun(m: Manager, runId: string): Promise<void> {
    let server = await this.repo.runServer(m, runId);
    if (!server) {
      const run = await this.repo.run(m, runId);
      if (!run) return;
      server = await this.repo.serverOfInstance(m, run.instance_id, run.payload);
      if (!server) return;
      await this.repo.attributeRun(m, runId, server);
    }
    await this.lifecycle.refreshAtCommit(m, [server]);
  }
}

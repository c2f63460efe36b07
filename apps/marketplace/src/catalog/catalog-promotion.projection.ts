// Follows the governance service's promotion events into the catalog's promotion lineage, and re-renders the entries
// of the promoted digest.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { CatalogRenderer } from './catalog-renderer.service';
import { PromotionRepository } from './promotion.repository';

@Injectable()
export class CatalogPromotionProjection {
  constructor(
    private readonly repo: PromotionRepository,
    private readonly renderer: CatalogRenderer,
  ) {}

  @EventHandler('promotion.scheduled')
  async onScheduled(p: EventPayload<'promotion.scheduled'>, ctx: EventContext): Promise<void> {
    await this.repo.apply(ctx.manager, {
      ...p,
      updated_at: p.scheduled_at,
      approved_by: null,
    });
    await this.renderer.renderDigest(ctx.manager, p.manifest_digest);
  }

  @EventHandler('promotion.approved')
  async onApproved(p: EventPayload<'promotion.approved'>, ctx: EventContext): Promise<void> {
    await this.repo.apply(ctx.manager, { ...p, updated_at: p.approved_at, scheduled_at: null });
    await this.renderer.renderDigest(ctx.manager, p.manifest_digest);
  }

  @EventHandler('promotion.status_changed')
  async onStatusChanged(p: EventPayload<'promotion.status_changed'>, ctx: EventContext): Promise<void> {
    await this.repo.apply(ctx.manager, {
      ...p,
      status: p.to_status,
      updated_at: p.changed_at,
      approved_by: null,
      scheduled_at: null,
    });
    await this.renderer.renderDigest(ctx.manager, p.manifest_digest);
  }
}

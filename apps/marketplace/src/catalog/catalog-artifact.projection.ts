// Follows the build-service's artifact ledger: every `artifact.recorded` run becomes (or replaces) its catalog
// entry, graded on every signal, in the same transaction as the inbox row.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { CatalogHealth } from './catalog-health.service';
import { CatalogRepository } from './catalog.repository';

@Injectable()
export class CatalogArtifactProjection {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly health: CatalogHealth,
  ) {}

  @EventHandler('artifact.recorded')
  async onRecorded(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.repo.upsertArtifact(ctx.manager, p);
    await this.health.refreshServers(ctx.manager, [p.server_id]);
  }
}

// Follows the build-service's artifact ledger: every `artifact.recorded` run becomes (or replaces) its catalog
// entry, with its derived health, in the same transaction as the inbox row.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { CatalogRepository } from './catalog.repository';

@Injectable()
export class CatalogArtifactProjection {
  constructor(private readonly repo: CatalogRepository) {}

  @EventHandler('artifact.recorded')
  async onRecorded(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.repo.upsertArtifact(ctx.manager, p);
  }
}

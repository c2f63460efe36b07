// Follows the build-service's artifact ledger so a promotion can check that its digest was really built.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { LedgerRepository } from './ledger.repository';

@Injectable()
export class LedgerProjection {
  constructor(private readonly repo: LedgerRepository) {}

  @EventHandler('artifact.recorded')
  async onRecorded(p: EventPayload<'artifact.recorded'>, ctx: EventContext): Promise<void> {
    await this.repo.upsert(ctx.manager, p);
  }
}

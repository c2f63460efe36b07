// Records an evaluator's result (`evaluation.result.recorded`, e.g. the MCP conformance evaluator's) on the
// certification it was requested for: status, evidence with the tool manifest, and the validity window. A result for
// an older version of the certification (retried or replaced since) changes nothing. The write, its
// `evaluation.certification.upserted` event and the catalog's re-grading commit with the consumer's inbox row.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import { EventHandler, OutboxService, type EventContext } from '@mcp-host/platform';
import { CatalogHealth } from '../catalog/catalog-health.service';
import { Clock } from '../common/clock';
import { EvaluationRepository } from './evaluation.repository';
import { toCertificationEvent } from './evaluation.service';

@Injectable()
export class EvaluationResultProjection {
  constructor(
    private readonly repo: EvaluationRepository,
    private readonly health: CatalogHealth,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
  ) {}

  @EventHandler('evaluation.result.recorded')
  async onResult(p: EventPayload<'evaluation.result.recorded'>, ctx: EventContext): Promise<void> {
    const m = ctx.manager;
    const now = this.clock.now();
    const current = await this.repo.findById(m, p.certification_id, now);
    if (!current || current.version !== p.certification_version) return;
    const row = await this.repo.updateIfVersion(
      m,
      current.version,
      {
        artifact_run_id: current.artifact_run_id,
        server_id: current.server_id,
        manifest_digest: current.manifest_digest,
        tier: current.tier,
        policy_requirement: current.policy_requirement,
        status: p.status,
        evidence: { ...p.evidence, tool_manifest: p.tool_manifest, evaluated_at: p.evaluated_at },
        valid_from: p.valid_from,
        valid_until: p.valid_until,
      },
      now,
    );
    if (!row) return;
    await this.outbox.publish(m, 'evaluation.certification.upserted', toCertificationEvent(row));
    await this.health.refreshServers(m, [row.server_id]);
  }
}

// The policy requirements of each tier: seeded from configuration, replaced through the API, announced as events
// (the policy engine projects them), and re-grading every server of the tier when they change.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EvaluationTierRequirements, SetTierRequirementsBody } from '@mcp-host/contracts';
import { InjectConfig, OutboxService, Transactions, type Manager } from '@mcp-host/platform';
import { CatalogHealth } from '../catalog/catalog-health.service';
import type { MarketplaceConfig } from '../marketplace.config';
import { EvaluationErrorCode, EvaluationException } from './evaluation.exception';
import { TierRequirementRepository, type TierRequirementRow } from './tier-requirement.repository';

export function toTierRequirements(r: TierRequirementRow): EvaluationTierRequirements {
  return {
    tier: r.tier,
    requirements: r.requirements,
    version: r.version,
    updated_by: r.updated_by,
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

@Injectable()
export class TierRequirementService implements OnApplicationBootstrap {
  constructor(
    private readonly repo: TierRequirementRepository,
    private readonly health: CatalogHealth,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    @InjectConfig() private readonly config: MarketplaceConfig,
  ) {}

  /** Seeds tiers named in EVALUATION_TIER_REQUIREMENTS that were never set; a set tier keeps its own list. */
  async onApplicationBootstrap(): Promise<void> {
    await this.seed(this.config.EVALUATION_TIER_REQUIREMENTS);
  }

  async seed(tiers: Record<string, string[]>): Promise<void> {
    for (const [tier, requirements] of Object.entries(tiers)) {
      await this.tx.run(async (m) => {
        const row = await this.repo.seed(m, tier, requirements);
        if (row) await this.announce(m, row);
      });
    }
  }

  async list(): Promise<{ items: EvaluationTierRequirements[]; next_cursor: null }> {
    const rows = await this.tx.read((m) => this.repo.all(m));
    return { items: rows.map(toTierRequirements), next_cursor: null };
  }

  async get(tier: string): Promise<EvaluationTierRequirements> {
    const row = await this.tx.read((m) => this.repo.find(m, tier));
    if (!row) {
      throw new EvaluationException(
        EvaluationErrorCode.TIER_NOT_FOUND,
        `No policy requirements are set for tier ${tier}.`,
      );
    }
    return toTierRequirements(row);
  }

  async put(
    tier: string,
    body: SetTierRequirementsBody,
    caller?: string,
  ): Promise<EvaluationTierRequirements> {
    const requirements = [...new Set(body.requirements)];
    return this.tx.run(async (m) => {
      const row = await this.repo.put(m, tier, requirements, body.version, caller ?? null);
      if (!row) {
        const current = await this.repo.find(m, tier);
        throw current
          ? new EvaluationException(
              EvaluationErrorCode.VERSION_CONFLICT,
              `Tier ${tier} requirements are at version ${current.version}, not ${body.version}; reload them and try again.`,
              { current_version: current.version },
            )
          : new EvaluationException(
              EvaluationErrorCode.VERSION_CONFLICT,
              `Tier ${tier} has no requirements yet; omit version to create them.`,
              { current_version: null },
            );
      }
      await this.announce(m, row);
      return toTierRequirements(row);
    });
  }

  private async announce(m: Manager, row: TierRequirementRow): Promise<void> {
    await this.outbox.publish(m, 'evaluation.requirements.set', toTierRequirements(row));
    await this.health.refreshTier(m, row.tier);
  }
}

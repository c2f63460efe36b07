// The marketplace catalog feature: the read model of servers, their artifact runs, certifications and promotion
// lineage (fed by the server, artifact and promotion events), its grading, and its browse API.
import { Module } from '@nestjs/common';
import { ServerProjectionModule } from '@mcp-host/platform';
import { EvaluationStoreModule } from '../evaluations/evaluation-store.module';
import { CatalogArtifactProjection } from './catalog-artifact.projection';
import { CatalogHealth } from './catalog-health.service';
import { CatalogPromotionProjection } from './catalog-promotion.projection';
import { CatalogRenderer } from './catalog-renderer.service';
import { CatalogServerProjection } from './catalog-server.projection';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { PromotionRepository } from './promotion.repository';

@Module({
  imports: [EvaluationStoreModule, ServerProjectionModule],
  controllers: [CatalogController],
  providers: [
    CatalogRepository,
    PromotionRepository,
    CatalogService,
    CatalogHealth,
    CatalogRenderer,
    CatalogArtifactProjection,
    CatalogServerProjection,
    CatalogPromotionProjection,
  ],
  exports: [CatalogRepository, CatalogHealth, CatalogRenderer, CatalogService],
})
export class CatalogModule {}

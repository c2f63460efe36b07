// The marketplace catalog feature: the read model of servers and their artifact runs (fed by the server and
// artifact events), and its browse API.
import { Module } from '@nestjs/common';
import { CatalogArtifactProjection } from './catalog-artifact.projection';
import { CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

@Module({
  controllers: [CatalogController],
  providers: [CatalogRepository, CatalogService, CatalogArtifactProjection],
  exports: [CatalogRepository],
})
export class CatalogModule {}

// The marketplace's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  type Env,
  ServerProjectionModule,
  serverProjectionEntities,
  serverProjectionMigrations,
} from '@mcp-host/platform';
import { CatalogArtifactEntity } from './catalog/catalog-artifact.entity';
import { CatalogModule } from './catalog/catalog.module';
import { IndexServerProjection1763900000500 } from './migrations/1763900000500-index-server-projection';
import { CreateCatalogArtifacts1763900001000 } from './migrations/1763900001000-create-catalog-artifacts';

export const marketplaceDefinition = {
  service: 'marketplace',
  dbSchema: 'marketplace',
  entities: [...serverProjectionEntities, CatalogArtifactEntity],
  migrations: [
    ...serverProjectionMigrations,
    IndexServerProjection1763900000500,
    CreateCatalogArtifacts1763900001000,
  ],
};

@Module({})
export class MarketplaceModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: MarketplaceModule,
      imports: [
        PlatformModule.forRoot({ ...marketplaceDefinition, env: opts.env }),
        ServerProjectionModule,
        CatalogModule,
      ],
    };
  }
}

// The marketplace's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Env } from '@mcp-host/platform';
import { CatalogArtifactEntity } from './catalog/catalog-artifact.entity';
import { CatalogModule } from './catalog/catalog.module';
import { CreateServerProjection1763900000000 } from './migrations/1763900000000-create-server-projection';
import { CreateCatalogArtifacts1763900001000 } from './migrations/1763900001000-create-catalog-artifacts';
import { ProjectedServerEntity, ServerTombstoneEntity } from './servers/server.entity';
import { ServersModule } from './servers/servers.module';

export const marketplaceDefinition = {
  service: 'marketplace',
  dbSchema: 'marketplace',
  entities: [ProjectedServerEntity, ServerTombstoneEntity, CatalogArtifactEntity],
  migrations: [CreateServerProjection1763900000000, CreateCatalogArtifacts1763900001000],
};

@Module({})
export class MarketplaceModule {
  static forRoot(opts: { env?: Env } = {}): DynamicModule {
    return {
      module: MarketplaceModule,
      imports: [
        PlatformModule.forRoot({ ...marketplaceDefinition, env: opts.env }),
        ServersModule,
        CatalogModule,
      ],
    };
  }
}

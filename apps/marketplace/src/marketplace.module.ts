// The marketplace's root module; standalone imports it next to the other services.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  type Env,
  ServerProjectionModule,
  serverProjectionEntities,
  serverProjectionMigrations,
} from '@mcp-host/platform';
import { CatalogModule } from './catalog/catalog.module';
import { Clock } from './common/clock';
import { EvaluationsModule } from './evaluations/evaluations.module';
import { marketplaceConfigShape } from './marketplace.config';
import { IndexServerProjection1763900000500 } from './migrations/1763900000500-index-server-projection';
import { CreateCatalogArtifacts1763900001000 } from './migrations/1763900001000-create-catalog-artifacts';
import { CreateEvaluationsAndCatalogEntries1764800000000 } from './migrations/1764800000000-create-evaluations-and-catalog-entries';
import { CatalogEntryListRows1767000000000 } from './migrations/1767000000000-catalog-entry-list-rows';
import { CatalogEntryDigestPrefix1767100000000 } from './migrations/1767100000000-catalog-entry-digest-prefix';

export const marketplaceDefinition = {
  service: 'marketplace',
  dbSchema: 'marketplace',
  configShape: marketplaceConfigShape,
  entities: [...serverProjectionEntities],
  migrations: [
    ...serverProjectionMigrations,
    IndexServerProjection1763900000500,
    CreateCatalogArtifacts1763900001000,
    CreateEvaluationsAndCatalogEntries1764800000000,
    CatalogEntryListRows1767000000000,
    CatalogEntryDigestPrefix1767100000000,
  ],
};

/** The one Clock of the service; tests hand in one they can move. */
@Global()
@Module({})
class ClockModule {
  static forRoot(clock: Clock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}

@Module({})
export class MarketplaceModule {
  static forRoot(opts: { env?: Env; clock?: Clock } = {}): DynamicModule {
    return {
      module: MarketplaceModule,
      imports: [
        PlatformModule.forRoot({ ...marketplaceDefinition, env: opts.env }),
        ClockModule.forRoot(opts.clock ?? new Clock()),
        ServerProjectionModule,
        CatalogModule,
        EvaluationsModule,
      ],
    };
  }
}

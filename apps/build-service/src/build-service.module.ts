// The build service's root module; standalone imports it next to the other services.
import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  type Env,
  type PlatformModuleOptions,
  ServerProjectionModule,
  serverProjectionEntities,
  serverProjectionMigrations,
} from '@mcp-host/platform';
import { ArtifactPlatformEntity, ArtifactRunEntity } from './artifacts/artifact.entity';
import { BuildRunEntity } from './builds/build-run.entity';
import { BuildsModule } from './builds/builds.module';
import { buildConfigShape } from './config/build-config';
import { UsageMetricEntity } from './metrics/usage-metric.entity';
import { MetricsModule } from './metrics/metrics.module';
import { CreateUsageMetrics1763900001000 } from './migrations/1763900001000-create-usage-metrics';
import { CreateBuildsAndArtifacts1763900002000 } from './migrations/1763900002000-create-builds-and-artifacts';
import { DropServerBuildState1764700000000 } from './migrations/1764700000000-drop-server-build-state';
import { BuildRunsIdempotencyKey1764900000000 } from './migrations/1764900000000-build-runs-idempotency-key';

export const buildServiceDefinition = {
  service: 'build-service',
  dbSchema: 'build_service',
  configShape: buildConfigShape,
  entities: [
    ...serverProjectionEntities,
    UsageMetricEntity,
    BuildRunEntity,
    ArtifactRunEntity,
    ArtifactPlatformEntity,
  ],
  migrations: [
    ...serverProjectionMigrations,
    CreateUsageMetrics1763900001000,
    CreateBuildsAndArtifacts1763900002000,
    DropServerBuildState1764700000000,
    BuildRunsIdempotencyKey1764900000000,
  ],
};

@Module({})
export class BuildServiceModule {
  static forRoot(
    opts: { env?: Env; logDestination?: PlatformModuleOptions['logDestination'] } = {},
  ): DynamicModule {
    return {
      module: BuildServiceModule,
      imports: [
        PlatformModule.forRoot({
          ...buildServiceDefinition,
          env: opts.env,
          logDestination: opts.logDestination,
        }),
        ServerProjectionModule,
        MetricsModule,
        BuildsModule,
      ],
    };
  }
}

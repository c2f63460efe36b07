// The build pipeline: accepting builds, running them on the engine, pushing to the registry, and the ledger.
import { Module } from '@nestjs/common';
import { ArtifactController } from '../artifacts/artifact.controller';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { ArtifactService } from '../artifacts/artifact.service';
import { CredentialService } from '../credentials/credential.service';
import { PullSecretPatcher } from '../credentials/pull-secret.patcher';
import { RemediationRotationConsumer } from '../credentials/remediation-rotation.consumer';
import { ContainerEngine } from '../engine/container-engine';
import { MetricsModule } from '../metrics/metrics.module';
import { RegistryClient } from '../registry/registry-client';
import { ServerProjectionModule } from '@mcp-host/platform';
import { RegistryTelemetryService } from '../telemetry/registry-telemetry.service';
import { BuildController } from './build.controller';
import { BuildRecovery } from './build-recovery';
import { BuildRepository } from './build.repository';
import { BuildRunner } from './build-runner';
import { BuildService } from './build.service';
import { ContextPreparer } from './context-preparer';
import { ImageBuilder } from './image-builder';
import { ImagePusher } from './image-pusher';
import { ManifestPublisher } from './manifest-publisher';
import { OutcomeRecorder } from './outcome-recorder';

@Module({
  imports: [ServerProjectionModule, MetricsModule],
  controllers: [BuildController, ArtifactController],
  providers: [
    ArtifactRepository,
    ArtifactService,
    BuildRepository,
    BuildService,
    BuildRunner,
    BuildRecovery,
    ContextPreparer,
    ImageBuilder,
    ImagePusher,
    ManifestPublisher,
    OutcomeRecorder,
    ContainerEngine,
    RegistryClient,
    CredentialService,
    PullSecretPatcher,
    RegistryTelemetryService,
    RemediationRotationConsumer,
  ],
})
export class BuildsModule {}

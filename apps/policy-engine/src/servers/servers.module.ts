// The server registry feature.
import { Module } from '@nestjs/common';
import { ServerController } from './server.controller';
import { ServerRepository } from './server.repository';
import { ServerService } from './server.service';
import { ServerBuildStatusProjection } from './server-build-status.projection';
import { RuntimeAssignmentRepository } from '../runtime/runtime-assignment.repository';

@Module({
  controllers: [ServerController],
  providers: [ServerRepository, ServerService, ServerBuildStatusProjection, RuntimeAssignmentRepository],
})
export class ServersModule {}

// The server projection feature: the local read model of registered servers.
import { Module } from '@nestjs/common';
import { ServerProjection } from './server.projection';
import { ServerProjectionRepository } from './server-projection.repository';

@Module({ providers: [ServerProjectionRepository, ServerProjection], exports: [ServerProjectionRepository] })
export class ServersModule {}

// The server projection every service keeps: a `servers` table in its own schema, fed by server.registered,
// server.updated and server.deleted, with tombstones so a late event never brings a deleted server back.
// A service imports this module and lists `serverProjectionMigrations` and `serverProjectionEntities` in its definition.
import { Module } from '@nestjs/common';
import { ProjectedServerEntity, ServerTombstoneEntity } from './server-projection.entity';
import { ServerProjection } from './server-projection.handler';
import { CreateServerProjection1763900000000 } from './server-projection.migration';
import { ServerProjectionRepository } from './server-projection.repository';

export const serverProjectionMigrations = [CreateServerProjection1763900000000];
export const serverProjectionEntities = [ProjectedServerEntity, ServerTombstoneEntity];

@Module({ providers: [ServerProjectionRepository, ServerProjection], exports: [ServerProjectionRepository] })
export class ServerProjectionModule {}

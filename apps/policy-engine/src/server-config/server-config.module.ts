// The server config feature: the config endpoint and the known-tools projection behind it.
import { Module } from '@nestjs/common';
import { ServerConfigController } from './server-config.controller';
import { ServerToolsProjection } from './server-config.projection';
import { ServerConfigRepository } from './server-config.repository';
import { ServerConfigService } from './server-config.service';

@Module({
  controllers: [ServerConfigController],
  providers: [ServerConfigRepository, ServerConfigService, ServerToolsProjection],
})
export class ServerConfigModule {}

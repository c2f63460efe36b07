// /api/servers/:id/config (admin in the gateway's route table): a server's runtime config for scaffolding.
import { Controller, Get, Param } from '@nestjs/common';
import { UuidParamPipe } from '@mcp-host/platform';
import { ServerConfigService } from './server-config.service';

@Controller('api/servers')
export class ServerConfigController {
  constructor(private readonly configs: ServerConfigService) {}

  @Get(':id/config')
  get(@Param('id', new UuidParamPipe('server')) id: string) {
    return this.configs.get(id);
  }
}

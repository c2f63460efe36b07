// /api/servers/:id/intelligence: capability intelligence of one server.
import { Controller, Get, Param } from '@nestjs/common';
import { UuidParamPipe } from '@mcp-host/platform';
import { IntelligenceService } from './intelligence.service';

@Controller('api/servers')
export class IntelligenceController {
  constructor(private readonly intelligence: IntelligenceService) {}

  @Get(':id/intelligence')
  get(@Param('id', new UuidParamPipe('server')) id: string) {
    return this.intelligence.get(id);
  }
}

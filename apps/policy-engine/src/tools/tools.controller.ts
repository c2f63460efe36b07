// GET /api/servers/:id/tools: the manifest discovered on the running server and its drift.
import { Controller, Get, Param } from '@nestjs/common';
import { UuidParamPipe } from '@mcp-host/platform';
import { ToolsService } from './tools.service';

@Controller('api/servers')
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @Get(':id/tools')
  get(@Param('id', new UuidParamPipe('server')) id: string) {
    return this.tools.get(id);
  }
}

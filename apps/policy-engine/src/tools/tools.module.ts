// Tool discovery and drift checks on running servers, and GET /api/servers/:id/tools.
import { Module } from '@nestjs/common';
import { ToolManifestRepository } from './tool-manifest.repository';
import { ToolWatcher } from './tool-watcher.service';
import { ToolsController } from './tools.controller';
import { ToolsProjection } from './tools.projection';
import { ToolsService } from './tools.service';

@Module({
  controllers: [ToolsController],
  providers: [ToolManifestRepository, ToolWatcher, ToolsService, ToolsProjection],
})
export class ToolsModule {}

// /api/artifacts/:id and /api/servers/:id/artifacts: the artifact ledger.
import { Controller, Get, Param, Query } from '@nestjs/common';
import { cursorQuerySchema, limitQuerySchema } from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { z } from 'zod';
import { ArtifactService } from './artifact.service';

const uuid = new UuidParamPipe('artifact');
const pageQuery = z.object({ limit: limitQuerySchema, cursor: cursorQuerySchema });

@Controller('api')
export class ArtifactController {
  constructor(private readonly artifacts: ArtifactService) {}

  @Get('artifacts/:id')
  get(@Param('id', uuid) id: string) {
    return this.artifacts.get(id);
  }

  @Get('servers/:id/artifacts')
  list(@Param('id', uuid) id: string, @Query(new ZodValidationPipe(pageQuery)) q: z.infer<typeof pageQuery>) {
    return this.artifacts.list(id, q);
  }
}

// /api/marketplace: the catalog's REST surface.
import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { catalogQuerySchema, type CatalogQuery } from './catalog.dto';
import { CatalogService } from './catalog.service';

const uuid = new UuidParamPipe('artifact run');

@Controller('api/marketplace')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  // The page comes as JSON text (stored renderings joined); the header keeps Fastify from sending it as text/plain.
  @Get()
  @Header('content-type', 'application/json; charset=utf-8')
  list(@Query(new ZodValidationPipe(catalogQuerySchema)) query: CatalogQuery) {
    return this.catalog.list(query);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.catalog.get(id);
  }
}

// /api/marketplace: the catalog's REST surface.
import { Controller, Get, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@mcp-host/platform';
import { catalogQuerySchema, type CatalogQuery } from './catalog.dto';
import { CatalogService } from './catalog.service';

@Controller('api/marketplace')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  list(@Query(new ZodValidationPipe(catalogQuerySchema)) query: CatalogQuery) {
    return this.catalog.list(query);
  }
}

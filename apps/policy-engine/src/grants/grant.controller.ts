// /api/grants: the MCP tool grant store's REST surface.
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  createGrantBodySchema,
  deleteGrantQuerySchema,
  grantListQuerySchema,
  versionedActionBodySchema,
  type CreateGrantBody,
  type GrantListQuery,
  type VersionedActionBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import type { z } from 'zod';
import { GrantService } from './grant.service';

const uuid = new UuidParamPipe('grant');

@Controller('api/grants')
export class GrantController {
  constructor(private readonly grants: GrantService) {}

  @Post()
  create(
    @Body(new ZodValidationPipe(createGrantBodySchema)) body: CreateGrantBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.grants.create(body, caller ?? 'unknown');
  }

  @Get()
  list(@Query(new ZodValidationPipe(grantListQuerySchema)) query: GrantListQuery) {
    return this.grants.list(query);
  }

  @Get(':id')
  get(@Param('id', uuid) id: string) {
    return this.grants.get(id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(versionedActionBodySchema)) body: VersionedActionBody,
  ) {
    return this.grants.setEnabled(id, body.version, true);
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(
    @Param('id', uuid) id: string,
    @Body(new ZodValidationPipe(versionedActionBodySchema)) body: VersionedActionBody,
  ) {
    return this.grants.setEnabled(id, body.version, false);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @Param('id', uuid) id: string,
    @Query(new ZodValidationPipe(deleteGrantQuerySchema)) query: z.infer<typeof deleteGrantQuerySchema>,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    await this.grants.delete(id, query.version, caller ?? 'unknown');
  }
}

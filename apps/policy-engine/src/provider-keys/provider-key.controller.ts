// /api/providers/:providerId/keys: provider BYOK keys (the posture stream is served by the gateway from the topic).
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  approveKeyRotationBodySchema,
  bindProviderKeyBodySchema,
  providerIdSchema,
  providerKeyListQuerySchema,
  registerProviderKeyBodySchema,
  rotateProviderKeyBodySchema,
  type ApproveKeyRotationBody,
  type BindProviderKeyBody,
  type ProviderKeyListQuery,
  type RegisterProviderKeyBody,
  type RotateProviderKeyBody,
} from '@mcp-host/contracts';
import { UuidParamPipe, ZodValidationPipe } from '@mcp-host/platform';
import { ProviderKeyService } from './provider-key.service';

const keyId = new UuidParamPipe('key');
const providerId = new ZodValidationPipe(providerIdSchema);

@Controller('api/providers/:providerId/keys')
export class ProviderKeyController {
  constructor(private readonly keys: ProviderKeyService) {}

  @Post()
  register(
    @Param('providerId', providerId) provider: string,
    @Body(new ZodValidationPipe(registerProviderKeyBodySchema)) body: RegisterProviderKeyBody,
  ) {
    return this.keys.register(provider, body);
  }

  @Get()
  list(
    @Param('providerId', providerId) provider: string,
    @Query(new ZodValidationPipe(providerKeyListQuerySchema)) query: ProviderKeyListQuery,
  ) {
    return this.keys.list(provider, query);
  }

  @Get(':keyId')
  get(@Param('providerId', providerId) provider: string, @Param('keyId', keyId) id: string) {
    return this.keys.get(provider, id);
  }

  @Post(':keyId/rotate')
  @HttpCode(200)
  rotate(
    @Param('providerId', providerId) provider: string,
    @Param('keyId', keyId) id: string,
    @Body(new ZodValidationPipe(rotateProviderKeyBodySchema)) body: RotateProviderKeyBody,
  ) {
    return this.keys.rotate(provider, id, body);
  }

  @Post(':keyId/rotation/approve')
  @HttpCode(200)
  approve(
    @Param('providerId', providerId) provider: string,
    @Param('keyId', keyId) id: string,
    @Body(new ZodValidationPipe(approveKeyRotationBodySchema)) body: ApproveKeyRotationBody,
    @Headers('x-mcp-host-subject') caller?: string,
  ) {
    return this.keys.approveRotation(provider, id, body, caller);
  }

  @Post(':keyId/bindings')
  bind(
    @Param('providerId', providerId) provider: string,
    @Param('keyId', keyId) id: string,
    @Body(new ZodValidationPipe(bindProviderKeyBodySchema)) body: BindProviderKeyBody,
  ) {
    return this.keys.bind(provider, id, body);
  }

  @Get(':keyId/bindings')
  bindings(
    @Param('providerId', providerId) provider: string,
    @Param('keyId', keyId) id: string,
    @Query(new ZodValidationPipe(providerKeyListQuerySchema)) query: ProviderKeyListQuery,
  ) {
    return this.keys.bindings(provider, id, query);
  }
}

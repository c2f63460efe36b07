// The provider BYOK keys feature.
import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG, PLATFORM_LOGGER } from '@mcp-host/platform';
type Logger = { warn(msg: string): void };
import { ProviderKeyController } from './provider-key.controller';
import { ProviderKeyClock } from './provider-key.posture';
import { ProviderKeyGate } from './provider-key.gate';
import { ProviderKeyRepository } from './provider-key.repository';
import { PROVIDER_KEY_SECRETS, ProviderKeyService } from './provider-key.service';
import type { ProviderKeysConfig } from './provider-keys.config';
import { DatabaseSecretBackend, VaultKvSecretBackend } from './secret-store';

@Module({
  controllers: [ProviderKeyController],
  providers: [
    ProviderKeyRepository,
    ProviderKeyService,
    ProviderKeyClock,
    ProviderKeyGate,
    {
      provide: PROVIDER_KEY_SECRETS,
      inject: [PLATFORM_CONFIG, PLATFORM_LOGGER],
      useFactory: (config: ProviderKeysConfig, logger: Logger) => {
        if (config.PROVIDER_KEYS_SECRET_BACKEND === 'vault') {
          if (!config.PROVIDER_KEYS_VAULT_ADDR || !config.PROVIDER_KEYS_VAULT_TOKEN) {
            throw new Error(
              'PROVIDER_KEYS_SECRET_BACKEND=vault needs PROVIDER_KEYS_VAULT_ADDR and PROVIDER_KEYS_VAULT_TOKEN',
            );
          }
          return new VaultKvSecretBackend({
            address: config.PROVIDER_KEYS_VAULT_ADDR,
            token: config.PROVIDER_KEYS_VAULT_TOKEN,
            mount: config.PROVIDER_KEYS_VAULT_MOUNT,
            prefix: config.PROVIDER_KEYS_VAULT_PREFIX,
            namespace: config.PROVIDER_KEYS_VAULT_NAMESPACE,
          });
        }
        if (config.PROVIDER_KEYS_ENCRYPTION_KEY) {
          return new DatabaseSecretBackend(Buffer.from(config.PROVIDER_KEYS_ENCRYPTION_KEY, 'base64'));
        }
        logger.warn(
          'PROVIDER_KEYS_ENCRYPTION_KEY is unset: provider key material is encrypted under a key generated for this process only',
        );
        return new DatabaseSecretBackend(randomBytes(32));
      },
    },
  ],
  exports: [ProviderKeyService, ProviderKeyRepository, ProviderKeyGate, ProviderKeyClock],
})
export class ProviderKeysModule {}

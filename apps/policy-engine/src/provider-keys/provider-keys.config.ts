// Configuration of provider BYOK keys: the master key that wraps each secret's data key, and the posture window.
import { z } from 'zod';
import { envInt } from '@mcp-host/platform';

export const providerKeysConfigShape = {
  PROVIDER_KEYS_ENCRYPTION_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 bytes, base64-encoded',
    })
    .describe(
      'Master key (32 bytes, base64) wrapping the per-secret data keys of provider key material. Unset: a key generated at start, so material stored before a restart can no longer be decrypted.',
    ),
  PROVIDER_KEYS_SECRET_BACKEND: z
    .enum(['database', 'vault'])
    .default('database')
    .describe(
      'Where provider key material goes: envelope-encrypted in the database, or a Vault/OpenBao KV v2.',
    ),
  PROVIDER_KEYS_VAULT_ADDR: z
    .string()
    .url()
    .optional()
    .describe('Vault/OpenBao address, e.g. http://127.0.0.1:8200.'),
  PROVIDER_KEYS_VAULT_TOKEN: z.string().min(1).optional().describe('Token sent as X-Vault-Token.'),
  PROVIDER_KEYS_VAULT_MOUNT: z.string().min(1).default('secret').describe('The KV v2 mount.'),
  PROVIDER_KEYS_VAULT_PREFIX: z
    .string()
    .min(1)
    .default('mcp-host/provider-keys')
    .describe('Path prefix of provider key secrets under the mount.'),
  PROVIDER_KEYS_VAULT_NAMESPACE: z
    .string()
    .min(1)
    .optional()
    .describe('Namespace sent as X-Vault-Namespace.'),
  PROVIDER_KEYS_ROTATION_SOON_DAYS: envInt(14).describe(
    'A key whose rotation deadline is this many days away or less has posture rotation_due_soon.',
  ),
  PROVIDER_KEYS_POSTURE_SWEEP_MS: envInt(60_000).describe(
    'How often posture is recomputed against the clock for every key (changes are published).',
  ),
};

export interface ProviderKeysConfig {
  PROVIDER_KEYS_ENCRYPTION_KEY?: string;
  PROVIDER_KEYS_SECRET_BACKEND: 'database' | 'vault';
  PROVIDER_KEYS_VAULT_ADDR?: string;
  PROVIDER_KEYS_VAULT_TOKEN?: string;
  PROVIDER_KEYS_VAULT_MOUNT: string;
  PROVIDER_KEYS_VAULT_PREFIX: string;
  PROVIDER_KEYS_VAULT_NAMESPACE?: string;
  PROVIDER_KEYS_ROTATION_SOON_DAYS: number;
  PROVIDER_KEYS_POSTURE_SWEEP_MS: number;
}

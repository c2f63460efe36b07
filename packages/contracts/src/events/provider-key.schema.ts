// Provider BYOK key vocabulary shared by the provider key events.
import { z } from 'zod';

export const PROVIDER_KEY_STATES = [
  'pending',
  'active',
  'rotation_pending',
  'retired',
  'revoked',
  'expired',
] as const;
export const providerKeyStateSchema = z.enum(PROVIDER_KEY_STATES);
export type ProviderKeyState = z.infer<typeof providerKeyStateSchema>;

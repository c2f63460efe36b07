// Provider BYOK key vocabulary shared by the provider key events.
import { z } from 'zod';

export const PROVIDER_KEY_STATES = [
  'pending',
  'active',
  'rotation_pending',
  'retired',
  'revoked',
  'expired',
  // The posture vocabulary the policy engine publishes (computed against its clock).
  'rotation_due_soon',
  'rotation_overdue',
  'rotating',
] as const;
export const providerKeyStateSchema = z.enum(PROVIDER_KEY_STATES);
export type ProviderKeyState = z.infer<typeof providerKeyStateSchema>;

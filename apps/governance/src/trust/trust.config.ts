// The trust registry's configuration variables.
import { envInt } from '@mcp-host/platform';

export const trustConfigShape = {
  TRUST_STALE_AFTER_SECONDS: envInt(3600, 1, 31_536_000).describe(
    'A registry snapshot with no VM evidence for longer than this is stale.',
  ),
};

export interface TrustConfig {
  TRUST_STALE_AFTER_SECONDS: number;
}

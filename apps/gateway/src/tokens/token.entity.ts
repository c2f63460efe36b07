// One API token row; `token_hash` never leaves the gateway.
import type { Role } from '@mcp-host/contracts';

export interface ApiTokenRow {
  id: string;
  name: string;
  owner: string;
  role: Role;
  token_hash: string;
  prefix: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/** The verified caller of a request. */
export interface Caller {
  tokenId: string;
  subject: string;
  role: Role;
  name: string;
  /** An API token (its row can be revoked) rather than an OIDC JWT. */
  apiToken: boolean;
  /** When the credential stops being valid (ms since the epoch), if it has an end. */
  expiresAt?: number;
}

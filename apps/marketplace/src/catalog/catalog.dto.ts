// REST shapes of `GET /api/marketplace`. The query is the contracts' one plus a keyset `cursor`; the entry mirrors
// the contracts' catalog entry, except that a server without a build has its artifact fields null.
import { z } from 'zod';
import { cursorQuerySchema, marketplaceQuerySchema, type ArtifactPlatform } from '@mcp-host/contracts';

export const catalogQuerySchema = marketplaceQuerySchema.extend({ cursor: cursorQuerySchema });
export type CatalogQuery = z.infer<typeof catalogQuerySchema>;

export interface CatalogEntry {
  artifact_run_id: string | null;
  server_id: string;
  server_name: string;
  server_type: string;
  /** `<grade>:<server_type>`, e.g. `gold:Router`; `watchlist:<server_type>` until a build succeeds. */
  tier: string;
  /** The build run status; null when the server has no build yet. */
  status: string | null;
  source_repo: string | null;
  source_branch: string | null;
  source_revision: string | null;
  registry_image: string | null;
  manifest_tag: string | null;
  manifest_digest: string | null;
  architectures: string[];
  multi_arch: boolean;
  credential_health_status: string | null;
  platforms: ArtifactPlatform[];
  health: { issues: string[] };
  /** Promotion lineage arrives with the promotions projection; empty until then. */
  active_promotion: null;
  promotion_history: [];
  completed_at: string | null;
  updated_at: string;
}

export interface CatalogPage {
  items: CatalogEntry[];
  next_cursor: string | null;
}

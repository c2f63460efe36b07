// Browses the catalog: every projected server with each of its artifact runs, or once with no build.
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { CatalogEntry, CatalogPage, CatalogQuery } from './catalog.dto';
import { CatalogErrorCode, CatalogException } from './catalog.exception';
import { CatalogRepository, type CatalogKey, type CatalogRow } from './catalog.repository';

const cursorSchema = z.object({
  n: z.string(),
  s: z.guid(),
  a: z.object({ c: z.iso.datetime(), i: z.guid() }).nullable(),
});

function encodeCursor(r: CatalogRow): string {
  const a = r.artifact_run_id && r.completed_at_key ? { c: r.completed_at_key, i: r.artifact_run_id } : null;
  return Buffer.from(JSON.stringify({ n: r.server_name, s: r.server_id, a })).toString('base64url');
}

function decodeCursor(cursor: string): CatalogKey {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new CatalogException(CatalogErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  }
  return {
    serverName: parsed.n,
    serverId: parsed.s,
    artifact: parsed.a ? { completedAt: parsed.a.c, id: parsed.a.i } : null,
  };
}

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toCatalogEntry(r: CatalogRow): CatalogEntry {
  const platforms = r.platforms ?? [];
  const updated = [r.server_updated_at, r.artifact_updated_at]
    .filter((d): d is Date => d !== null)
    .map((d) => new Date(d).getTime());
  return {
    artifact_run_id: r.artifact_run_id,
    server_id: r.server_id,
    server_name: r.server_name,
    server_type: r.server_type,
    tier: r.tier,
    status: r.status,
    source_repo: r.source_repo,
    source_branch: r.source_branch,
    source_revision: r.source_revision,
    registry_image: r.registry_image,
    manifest_tag: r.manifest_tag,
    manifest_digest: r.manifest_digest,
    architectures: platforms.map((p) => p.platform),
    multi_arch: r.multi_arch ?? false,
    credential_health_status: r.credential_health_status,
    platforms,
    health: { issues: r.artifact_run_id === null ? ['no-build'] : (r.health_issues ?? []) },
    active_promotion: null,
    promotion_history: [],
    completed_at: iso(r.completed_at),
    updated_at: new Date(Math.max(...updated)).toISOString(),
  };
}

@Injectable()
export class CatalogService {
  constructor(private readonly repo: CatalogRepository) {}

  async get(artifactRunId: string): Promise<CatalogEntry> {
    const row = await this.repo.findByArtifactId(artifactRunId);
    if (!row) {
      throw new CatalogException(
        CatalogErrorCode.ENTRY_NOT_FOUND,
        `No catalog entry for artifact run ${artifactRunId}.`,
      );
    }
    return toCatalogEntry(row);
  }

  async list(q: CatalogQuery): Promise<CatalogPage> {
    const rows = await this.repo.list({
      limit: q.limit + 1,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      serverType: q.server_type,
      status: q.status,
      tier: q.tier,
      q: q.q,
    });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toCatalogEntry),
      next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }
}

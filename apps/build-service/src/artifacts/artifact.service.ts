// Reads the artifact ledger: one run with its platforms, or a server's runs newest first a keyset page at a time.
import { ServerProjectionRepository, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import { Injectable } from '@nestjs/common';
import type { ArtifactRun } from '@mcp-host/contracts';
import { ArtifactErrorCode, ArtifactException } from './artifact.exception';
import { ArtifactRepository } from './artifact.repository';

export interface ArtifactPage {
  items: ArtifactRun[];
  next_cursor: string | null;
}

@Injectable()
export class ArtifactService {
  constructor(
    private readonly artifacts: ArtifactRepository,
    private readonly servers: ServerProjectionRepository,
  ) {}

  async get(id: string): Promise<ArtifactRun> {
    const run = await this.artifacts.findById(id);
    if (!run)
      throw new ArtifactException(ArtifactErrorCode.ARTIFACT_NOT_FOUND, `No artifact run with id ${id}.`);
    const { completed_at_key: _k, ...rest } = run as ArtifactRun & { completed_at_key?: string };
    return rest;
  }

  async list(serverId: string, q: { limit: number; cursor?: string }): Promise<ArtifactPage> {
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (!(await this.servers.findById(serverId))) {
      throw new ArtifactException(ArtifactErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    }
    const rows = await this.artifacts.listByServer({ serverId, limit: q.limit + 1, before });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ completed_at_key: _k, ...r }) => r),
      next_cursor: rows.length > q.limit ? encodeKeysetCursor(last.completed_at_key, last.id) : null,
    };
  }
}

function decodeCursor(cursor: string): { completedAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new ArtifactException(ArtifactErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  return { completedAt: c.key, id: c.id };
}

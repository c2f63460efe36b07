// Reads the artifact ledger: one run with its platforms, or a server's runs newest first a keyset page at a time.
import { ServerProjectionRepository } from '@mcp-host/platform';
import { Injectable } from '@nestjs/common';
import type { ArtifactRun } from '@mcp-host/contracts';
import { ArtifactErrorCode, ArtifactException } from './artifact.exception';
import { ArtifactRepository } from './artifact.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
      next_cursor:
        rows.length > q.limit
          ? Buffer.from(`${last.completed_at_key}|${last.id}`).toString('base64url')
          : null,
    };
  }
}

function decodeCursor(cursor: string): { completedAt: string; id: string } {
  const [completedAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!completedAt || !id || extra !== undefined || Number.isNaN(Date.parse(completedAt)) || !UUID.test(id)) {
    throw new ArtifactException(ArtifactErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  }
  return { completedAt, id };
}

// Registers, changes and removes servers; each write and its event commit together.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  redactRepository,
  type CreateServerBody,
  type Server,
  type ServerListQuery,
  type UpdateServerBody,
} from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { ServerErrorCode, ServerException } from './server.exception';
import type { ServerEntity } from './server.entity';
import { ServerRepository } from './server.repository';
import { RuntimeAssignmentRepository } from '../runtime/runtime-assignment.repository';

const UNIQUE_VIOLATION = '23505';

export function toServer(e: ServerEntity): Server {
  return {
    id: e.id,
    name: e.name,
    server_type: e.server_type,
    source_repository: e.source_repository,
    source_branch: e.source_branch,
    dockerfile_path: e.dockerfile_path,
    tier: e.tier,
    owner: e.owner,
    status: e.status,
    version: e.version,
    created_at: new Date(e.created_at).toISOString(),
    updated_at: new Date(e.updated_at).toISOString(),
  };
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new ServerException(ServerErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  return { createdAt: c.key, id: c.id };
}

function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string })?.code === UNIQUE_VIOLATION ||
    (err as { driverError?: { code?: string } })?.driverError?.code === UNIQUE_VIOLATION
  );
}

@Injectable()
export class ServerService {
  constructor(
    private readonly repo: ServerRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly assignments: RuntimeAssignmentRepository,
  ) {}

  async register(body: CreateServerBody, caller?: string): Promise<Server> {
    try {
      return await this.tx.run(async (m) => {
        const row = await this.repo.insert(m, {
          id: randomUUID(),
          name: body.name,
          server_type: body.server_type,
          // Credentials never enter the registry: git takes them from the build-service's configured secret.
          source_repository: body.source_repository ? redactRepository(body.source_repository) : null,
          source_branch: body.source_branch ?? null,
          dockerfile_path: body.dockerfile_path ?? null,
          tier: body.tier ?? null,
          owner: body.owner ?? caller ?? null,
          status: 'registered',
        });
        const server = toServer(row);
        await this.outbox.publish(m, 'server.registered', server);
        return server;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ServerException(
          ServerErrorCode.NAME_TAKEN,
          `A server named "${body.name}" already exists.`,
        );
      }
      throw err;
    }
  }

  async get(id: string): Promise<Server> {
    const row = await this.tx.read((m) => this.repo.findById(m, id));
    if (!row) throw new ServerException(ServerErrorCode.NOT_FOUND, `No server with id ${id}.`);
    return toServer(row);
  }

  async list(q: ServerListQuery): Promise<{ items: Server[]; next_cursor: string | null }> {
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        q: q.q,
        status: q.status,
      }),
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toServer),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }

  async update(id: string, body: UpdateServerBody): Promise<Server> {
    const { version, ...rest } = body;
    const changes = rest.source_repository
      ? { ...rest, source_repository: redactRepository(rest.source_repository) }
      : rest;
    try {
      return await this.tx.run(async (m) => {
        const row = await this.repo.updateIfVersion(m, id, version, changes);
        if (!row) throw await this.staleOrMissing(m, id, version);
        const server = toServer(row);
        await this.outbox.publish(m, 'server.updated', server);
        return server;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ServerException(
          ServerErrorCode.NAME_TAKEN,
          `A server named "${changes.name}" already exists.`,
        );
      }
      throw err;
    }
  }

  async delete(id: string, version?: number): Promise<void> {
    await this.tx.run(async (m) => {
      const row = await this.repo.deleteIfVersion(m, id, version);
      if (!row) throw await this.staleOrMissing(m, id, version);
      // A deleted server stops: the orchestrator's next sweep removes whatever still runs for it.
      await this.assignments.setDesired(m, id, 'stopped');
      await this.outbox.publish(m, 'server.deleted', {
        id: row.id,
        name: row.name,
        version: row.version,
        deleted_at: new Date().toISOString(),
      });
    });
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleOrMissing(m: Manager, id: string, version?: number): Promise<ServerException> {
    const current = await this.repo.findById(m, id);
    if (!current) return new ServerException(ServerErrorCode.NOT_FOUND, `No server with id ${id}.`);
    return new ServerException(
      ServerErrorCode.VERSION_CONFLICT,
      `Server ${id} is at version ${current.version}, not ${version}; reload it and try again.`,
      { current_version: current.version },
    );
  }
}

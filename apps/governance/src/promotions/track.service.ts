// Creates and lists promotion tracks (each creation announced as `promotion.track.created`); an operator sees the
// tracks they own, an admin sees all of them.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CreatePromotionTrackBody, PromotionTrackListQuery } from '@mcp-host/contracts';
import { OutboxService, Transactions, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import { WorkflowRepository } from '../workflows/workflow.repository';
import type { Page, Track } from './promotion.dto';
import { PromotionErrorCode, PromotionException } from './promotion.exception';
import { toTrack } from './promotion.mapper';
import type { Caller } from './promotion.service';
import { TrackRepository } from './track.repository';

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | undefined;
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}

@Injectable()
export class TrackService {
  constructor(
    private readonly repo: TrackRepository,
    private readonly workflows: WorkflowRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
  ) {}

  async create(body: CreatePromotionTrackBody, caller: Caller): Promise<Track> {
    try {
      return await this.tx.run(async (m) => {
        const workflowIds = new Set(
          [body.workflow_id, ...Object.values(body.stage_workflows ?? {})].filter(
            (w): w is string => typeof w === 'string',
          ),
        );
        for (const id of workflowIds) {
          if (!(await this.workflows.findById(m, id)))
            throw new PromotionException(PromotionErrorCode.WORKFLOW_NOT_FOUND, `No workflow with id ${id}.`);
        }
        const row = await this.repo.insert(m, {
          id: randomUUID(),
          name: body.name,
          stages: body.stages,
          workflow_id: body.workflow_id ?? null,
          stage_workflows: body.stage_workflows ?? {},
          stage_tiers: body.stage_tiers ?? {},
          stage_approvals: body.stage_approvals ?? {},
          description: body.description ?? null,
          owner: caller.subject,
        });
        const track = toTrack(row);
        await this.outbox.publish(m, 'promotion.track.created', {
          track_id: track.id,
          name: track.name,
          stages: track.stages,
          workflow_id: track.workflow_id,
          stage_workflows: track.stage_workflows,
          stage_tiers: track.stage_tiers,
          stage_approvals: track.stage_approvals,
          description: track.description,
          owner: track.owner,
          version: track.version,
          created_at: track.created_at,
        });
        return track;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new PromotionException(
          PromotionErrorCode.TRACK_NAME_TAKEN,
          `A promotion track named "${body.name}" already exists.`,
        );
      throw err;
    }
  }

  async list(q: PromotionTrackListQuery, caller: Caller): Promise<Page<Track>> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new PromotionException(
          PromotionErrorCode.INVALID_CURSOR,
          'The cursor is not one this API returned.',
        );
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after,
        owner: caller.role === 'admin' ? undefined : (caller.subject ?? ''),
      }),
    );
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toTrack),
      next_cursor: rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }
}

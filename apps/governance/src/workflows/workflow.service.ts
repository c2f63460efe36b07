// Defines and lists governance workflows; a new workflow and its event commit together.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OutboxService, Transactions, decodeKeysetCursor, encodeKeysetCursor } from '@mcp-host/platform';
import type {
  CreateWorkflowRequest,
  Workflow,
  WorkflowKind,
  WorkflowListQuery,
  WorkflowPage,
} from './workflow.dto';
import { WorkflowErrorCode, WorkflowException } from './workflow.exception';
import { WorkflowRepository, type WorkflowRow } from './workflow.repository';

const UNIQUE_VIOLATION = '23505';

export function toWorkflow(r: WorkflowRow): Workflow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as WorkflowKind,
    tier: r.tier,
    description: r.description,
    created_by: r.created_by,
    steps: r.steps.map((s) => ({
      position: s.position,
      name: s.name,
      action: s.action,
      description: s.description,
    })),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new WorkflowException(WorkflowErrorCode.INVALID_CURSOR, 'The cursor is not one this API returned.');
  return { createdAt: c.key, id: c.id };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | undefined;
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}

@Injectable()
export class WorkflowService {
  constructor(
    private readonly repo: WorkflowRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
  ) {}

  async create(body: CreateWorkflowRequest, caller?: string): Promise<Workflow> {
    try {
      return await this.tx.run(async (m) => {
        const row = await this.repo.insert(
          m,
          {
            id: randomUUID(),
            name: body.name,
            kind: body.kind,
            tier: body.tier,
            description: body.description ?? null,
            created_by: caller ?? null,
          },
          body.steps.map((s) => ({
            name: s.name,
            action: s.action ?? null,
            description: s.description ?? null,
          })),
        );
        const workflow = toWorkflow(row);
        await this.outbox.publish(m, 'governance.workflow.created', {
          workflow_id: workflow.id,
          name: workflow.name,
          kind: workflow.kind,
          tier: workflow.tier,
          description: workflow.description,
          steps: workflow.steps.map((s) => ({
            position: s.position,
            name: s.name,
            description: s.description,
          })),
          created_by: workflow.created_by,
          created_at: workflow.created_at,
        });
        return workflow;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new WorkflowException(
          WorkflowErrorCode.NAME_TAKEN,
          `A workflow named "${body.name}" already exists.`,
        );
      }
      throw err;
    }
  }

  async get(id: string): Promise<Workflow> {
    const row = await this.tx.read((m) => this.repo.findById(m, id));
    if (!row) throw new WorkflowException(WorkflowErrorCode.NOT_FOUND, `No workflow with id ${id}.`);
    return toWorkflow(row);
  }

  async list(q: WorkflowListQuery): Promise<WorkflowPage> {
    const rows = await this.tx.read((m) =>
      this.repo.list(m, {
        limit: q.limit + 1,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        tier: q.tier,
        kind: q.kind,
      }),
    );
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toWorkflow),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].created_at_key, page[page.length - 1].id)
          : null,
    };
  }
}

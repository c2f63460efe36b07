// Evaluation certifications: upsert against the ledger, retry, list, and the pending certifications a new run gets
// for its tier's requirements. Every write, its events and the catalog's re-grading commit together.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type {
  EvaluationCertificationRow,
  EvaluationCertificationView,
  EvaluationListQuery,
  EvaluationListResponse,
  UpsertEvaluationBody,
} from '@mcp-host/contracts';
import {
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import { CatalogHealth } from '../catalog/catalog-health.service';
import { CatalogRepository } from '../catalog/catalog.repository';
import { Clock } from '../common/clock';
import { EvaluationErrorCode, EvaluationException } from './evaluation.exception';
import {
  EvaluationRepository,
  type CertificationRow,
  type CertificationWrite,
} from './evaluation.repository';
import { TierRequirementRepository } from './tier-requirement.repository';

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

/** The row as every evaluation event carries it. */
export function toCertificationEvent(r: CertificationRow): EvaluationCertificationRow {
  return {
    id: r.id,
    artifact_run_id: r.artifact_run_id,
    server_id: r.server_id,
    manifest_digest: r.manifest_digest,
    tier: r.tier,
    policy_requirement: r.policy_requirement,
    status: r.status,
    evidence: r.evidence,
    valid_from: iso(r.valid_from),
    valid_until: iso(r.valid_until),
    version: r.version,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

export function toCertificationView(r: CertificationRow): EvaluationCertificationView {
  return { ...toCertificationEvent(r), effective_status: r.effective_status };
}

@Injectable()
export class EvaluationService {
  constructor(
    private readonly repo: EvaluationRepository,
    private readonly requirements: TierRequirementRepository,
    private readonly catalog: CatalogRepository,
    private readonly health: CatalogHealth,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
  ) {}

  async upsert(artifactRunId: string, body: UpsertEvaluationBody): Promise<EvaluationCertificationView> {
    return this.tx.run(async (m) => {
      const now = this.clock.now();
      const run = await this.catalog.findArtifact(m, artifactRunId);
      if (!run) {
        throw new EvaluationException(
          EvaluationErrorCode.ARTIFACT_NOT_FOUND,
          `No artifact run ${artifactRunId} in the ledger.`,
        );
      }
      const digest = this.digestFor(run, body.manifest_digest);
      const decided = body.status !== 'pending';
      const write: CertificationWrite = {
        artifact_run_id: run.id,
        server_id: run.server_id,
        manifest_digest: digest,
        tier: body.tier,
        policy_requirement: body.policy_requirement,
        status: body.status,
        evidence: body.evidence ?? null,
        valid_from: decided ? (body.valid_from ?? now.toISOString()) : null,
        valid_until: decided ? (body.valid_until ?? null) : null,
      };
      let row: CertificationRow | undefined;
      if (body.version === undefined) {
        row = await this.repo.upsert(m, randomUUID(), write, now);
      } else {
        row = await this.repo.updateIfVersion(m, body.version, write, now);
        if (!row) throw await this.staleByKey(m, write, body.version, now);
      }
      await this.outbox.publish(m, 'evaluation.certification.upserted', toCertificationEvent(row));
      await this.health.refreshServers(m, [row.server_id]);
      return toCertificationView(row);
    });
  }

  async retry(id: string, version?: number): Promise<EvaluationCertificationView> {
    return this.tx.run(async (m) => {
      const now = this.clock.now();
      const reset = await this.repo.resetToPending(m, id, version, now);
      if (!reset) throw await this.staleOrMissing(m, id, version, now);
      const event = toCertificationEvent(reset.row);
      await this.outbox.publishMany(m, [
        {
          type: 'evaluation.certification.retried',
          payload: { ...event, previous_status: reset.previous },
        },
        { type: 'evaluation.requested', payload: { ...event, reason: 'retry' } },
      ]);
      await this.health.refreshServers(m, [reset.row.server_id]);
      return toCertificationView(reset.row);
    });
  }

  async get(id: string): Promise<EvaluationCertificationView> {
    const row = await this.tx.read((m) => this.repo.findById(m, id, this.clock.now()));
    if (!row)
      throw new EvaluationException(EvaluationErrorCode.CERTIFICATION_NOT_FOUND, `No evaluation ${id}.`);
    return toCertificationView(row);
  }

  async list(q: EvaluationListQuery): Promise<EvaluationListResponse> {
    let after: { createdAt: string; id: string } | undefined;
    if (q.cursor !== undefined) {
      const c = decodeKeysetCursor(q.cursor);
      if (!c)
        throw new EvaluationException(
          EvaluationErrorCode.INVALID_CURSOR,
          'The cursor is not one this API returned.',
        );
      after = { createdAt: c.key, id: c.id };
    }
    const rows = await this.tx.read((m) =>
      this.repo.list(
        m,
        {
          limit: q.limit + 1,
          after,
          status: q.status,
          tier: q.tier,
          policyRequirement: q.policy_requirement,
          serverId: q.server_id,
          artifactRunId: q.artifact_run_id,
        },
        this.clock.now(),
      ),
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCertificationView),
      next_cursor: rows.length > q.limit && last ? encodeKeysetCursor(last.cursor_ts, last.id) : null,
    };
  }

  /** The certifications of one run; 404 when the ledger has no such run. */
  async listForArtifact(artifactRunId: string, q: EvaluationListQuery): Promise<EvaluationListResponse> {
    const run = await this.tx.read((m) => this.catalog.findArtifact(m, artifactRunId));
    if (!run) {
      throw new EvaluationException(
        EvaluationErrorCode.ARTIFACT_NOT_FOUND,
        `No artifact run ${artifactRunId} in the ledger.`,
      );
    }
    return this.list({ ...q, artifact_run_id: artifactRunId });
  }

  /**
   * A newly recorded run of a server whose target tier has requirements: one pending certification per requirement
   * it has none for yet, each with an evaluation request. Runs inside the consumer's transaction.
   */
  async requestForNewRun(
    m: Manager,
    run: { id: string; server_id: string; manifest_digest: string | null },
    knownTier?: string,
  ): Promise<void> {
    if (run.manifest_digest === null) return;
    const tier = knownTier ?? (await this.catalog.serverTier(m, run.server_id));
    if (!tier) return;
    const requirements = (await this.requirements.find(m, tier))?.requirements ?? [];
    const created = await this.repo.insertPending(
      m,
      requirements.map((policy_requirement) => ({
        id: randomUUID(),
        artifact_run_id: run.id,
        server_id: run.server_id,
        manifest_digest: run.manifest_digest as string,
        tier,
        policy_requirement,
      })),
      this.clock.now(),
    );
    await this.outbox.publishMany(
      m,
      created.map((row) => ({
        type: 'evaluation.requested' as const,
        payload: { ...toCertificationEvent(row), reason: 'artifact_recorded' },
      })),
    );
    if (created.length > 0) await this.health.refreshServers(m, [run.server_id]);
  }

  /**
   * A server's target tier became known or changed (server.registered or server.updated, read from the payload, so
   * the order of this handler and the projection's does not matter): its newest run gets the pending certifications
   * that tier requires and has not got yet. Without this, a run recorded before its server was projected would never
   * be certified. A stale event (older than the projected server) changes nothing.
   */
  async requestForServer(
    m: Manager,
    server: { id: string; tier: string | null; version: number },
  ): Promise<void> {
    if (!server.tier) return;
    const projected = await this.catalog.serverVersion(m, server.id);
    if (projected !== undefined && projected > server.version) return;
    const run = await this.catalog.latestRunOf(m, server.id);
    if (run) await this.requestForNewRun(m, run, server.tier);
  }

  /** The payload's digest if it is the run's (or one of its platforms'), else the run's; 422 when neither works. */
  private digestFor(
    run: { id: string; manifest_digest: string | null; platforms: { digest: string | null }[] },
    given: string | undefined,
  ): string {
    if (given === undefined) {
      if (run.manifest_digest === null) {
        throw new EvaluationException(
          EvaluationErrorCode.DIGEST_UNKNOWN,
          `Artifact run ${run.id} has no manifest digest in the ledger; pass manifest_digest.`,
        );
      }
      return run.manifest_digest;
    }
    const known = new Set([run.manifest_digest, ...run.platforms.map((p) => p.digest)].filter(Boolean));
    if (!known.has(given)) {
      throw new EvaluationException(
        EvaluationErrorCode.DIGEST_MISMATCH,
        `Digest ${given} is not the digest the ledger records for artifact run ${run.id} (${run.manifest_digest ?? 'none'}).`,
        { ledger_digest: run.manifest_digest },
      );
    }
    return given;
  }

  /** Runs on the transaction's own manager: a second pool connection here could deadlock a full pool. */
  private async staleByKey(
    m: Manager,
    w: CertificationWrite,
    version: number,
    now: Date,
  ): Promise<EvaluationException> {
    const current = await this.repo.findByKey(m, w.artifact_run_id, w.tier, w.policy_requirement, now);
    return new EvaluationException(
      EvaluationErrorCode.VERSION_CONFLICT,
      current
        ? `The ${w.tier}/${w.policy_requirement} certification of artifact run ${w.artifact_run_id} is at version ${current.version}, not ${version}; reload it and try again.`
        : `Artifact run ${w.artifact_run_id} has no ${w.tier}/${w.policy_requirement} certification yet; omit version to create it.`,
      { current_version: current?.version ?? null },
    );
  }

  private async staleOrMissing(
    m: Manager,
    id: string,
    version: number | undefined,
    now: Date,
  ): Promise<EvaluationException> {
    const current = await this.repo.findById(m, id, now);
    if (!current)
      return new EvaluationException(EvaluationErrorCode.CERTIFICATION_NOT_FOUND, `No evaluation ${id}.`);
    return new EvaluationException(
      EvaluationErrorCode.VERSION_CONFLICT,
      `Evaluation ${id} is at version ${current.version}, not ${version}; reload it and try again.`,
      { current_version: current.version },
    );
  }
}

// The evaluator's queue (conformance_runs): one row per requested certification version, claimed with SKIP LOCKED
// so replicas share it, released for another attempt when the engine could not run it, done with its result.
import { Injectable } from '@nestjs/common';
import type { EvaluationRequested } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export interface ConformanceRunRow {
  id: string;
  certification_id: string;
  certification_version: number;
  artifact_run_id: string;
  request: EvaluationRequested;
  status: 'queued' | 'running' | 'done';
  attempts: number;
  created_at: Date;
}

const COLUMNS =
  'id, certification_id, certification_version, artifact_run_id, request, status, attempts, created_at';

@Injectable()
export class ConformanceRunRepository {
  /** Queues a request once per certification version; true when it was new. */
  async enqueue(m: Manager, id: string, r: EvaluationRequested): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO conformance_runs (id, certification_id, certification_version, artifact_run_id, request)
       VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (certification_id, certification_version) DO NOTHING RETURNING id`,
      [id, r.id, r.version, r.artifact_run_id, JSON.stringify(r)],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Claims the oldest due run; a run claimed longer ago than `staleMs` (its evaluator died) is due again. */
  async claim(m: Manager, staleMs: number): Promise<ConformanceRunRow | undefined> {
    const rows = (await m.query(
      `UPDATE conformance_runs SET status = 'running', claimed_at = now(), attempts = attempts + 1, updated_at = now()
       WHERE id = (
         SELECT id FROM conformance_runs
         WHERE (status = 'queued' AND not_before <= now())
            OR (status = 'running' AND claimed_at < now() - make_interval(secs => $1::double precision / 1000))
         ORDER BY created_at, id
         FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING ${COLUMNS}`,
      [staleMs],
    )) as [ConformanceRunRow[], number] | ConformanceRunRow[];
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as ConformanceRunRow[];
    return list[0];
  }

  /** Back to the queue after `delayMs`; `countAttempt` false when it only waited (e.g. for its artifact). */
  async release(m: Manager, id: string, delayMs: number, countAttempt: boolean): Promise<void> {
    await m.query(
      `UPDATE conformance_runs SET status = 'queued', claimed_at = NULL, updated_at = now(),
         not_before = now() + make_interval(secs => $2::double precision / 1000),
         attempts = attempts - CASE WHEN $3::boolean THEN 0 ELSE 1 END
       WHERE id = $1`,
      [id, delayMs, countAttempt],
    );
  }

  async complete(m: Manager, id: string, result: 'pass' | 'fail'): Promise<void> {
    await m.query(
      `UPDATE conformance_runs SET status = 'done', result_status = $2, updated_at = now() WHERE id = $1`,
      [id, result],
    );
  }

  /** The artifact's registry image pinned by its digest, as the runtime would run it; undefined until projected. */
  async imageOf(m: Manager, artifactRunId: string): Promise<string | undefined> {
    const rows = (await m.query(
      'SELECT registry_image, manifest_digest FROM policy_artifacts WHERE id = $1',
      [artifactRunId],
    )) as { registry_image: string; manifest_digest: string | null }[];
    const a = rows[0];
    if (!a) return undefined;
    return a.manifest_digest
      ? `${a.registry_image.replace(/:[^/:@]+$/, '')}@${a.manifest_digest}`
      : a.registry_image;
  }
}

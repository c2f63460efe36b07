// The governance service's projection of the artifact ledger: which manifest digests were built, by which run.
import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';
import { preparedQuery } from '../prepared-statements';

export interface LedgerArtifactRow {
  artifact_run_id: string;
  server_id: string;
  manifest_digest: string;
  status: string;
}

@Injectable()
export class LedgerRepository {
  /** Idempotent: a redelivered or replayed run overwrites its own row with the same values. */
  async upsert(m: Manager, p: EventPayload<'artifact.recorded'>): Promise<void> {
    if (p.manifest_digest === null) return;
    await preparedQuery(
      m,
      `INSERT INTO ledger_artifacts (artifact_run_id, server_id, manifest_digest, status, completed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (artifact_run_id) DO UPDATE
         SET server_id = EXCLUDED.server_id, manifest_digest = EXCLUDED.manifest_digest,
             status = EXCLUDED.status, completed_at = EXCLUDED.completed_at`,
      [p.id, p.server_id, p.manifest_digest, p.status, p.completed_at],
    );
  }

  /** The artifact run for a digest: the given run if it recorded that digest, else the latest run that did. */
  async findForDigest(
    m: Manager,
    digest: string,
    artifactRunId?: string,
  ): Promise<LedgerArtifactRow | undefined> {
    const rows = (await (artifactRunId
      ? preparedQuery(
          m,
          `SELECT artifact_run_id, server_id, manifest_digest, status FROM ledger_artifacts
            WHERE manifest_digest = $1 AND artifact_run_id = $2`,
          [digest, artifactRunId],
        )
      : preparedQuery(
          m,
          `SELECT artifact_run_id, server_id, manifest_digest, status FROM ledger_artifacts
            WHERE manifest_digest = $1 ORDER BY completed_at DESC LIMIT 1`,
          [digest],
        ))) as LedgerArtifactRow[];
    return rows[0];
  }
}

// Every query of server_tool_manifests and certified_tool_manifests, and the running servers whose tools are watched.
import { Injectable } from '@nestjs/common';
import type { ToolDriftChange, ToolManifest, ToolManifestEntry } from '@mcp-host/contracts';
import type { Manager } from '@mcp-host/platform';

export interface ServerManifestRow {
  server_id: string;
  artifact_run_id: string | null;
  endpoint: string;
  digest: string;
  tools: ToolManifestEntry[];
  certified_digest: string | null;
  drifted: boolean;
  changed: ToolDriftChange[];
  blocked_tools: string[];
  discovered_at: Date;
  refreshed_at: Date;
  version: number;
}

export interface CertifiedManifestRow {
  artifact_run_id: string;
  certification_id: string;
  status: 'pass' | 'fail';
  digest: string | null;
  tools: ToolManifestEntry[] | null;
  valid_until: Date;
  evaluated_at: Date;
}

/** A running server with an endpoint this process can reach, and the artifact run its decision chose. */
export interface WatchTarget {
  server_id: string;
  endpoint: string;
  artifact_run_id: string | null;
}

const COLUMNS = `server_id, artifact_run_id, endpoint, digest, tools, certified_digest, drifted, changed, blocked_tools,
  discovered_at, refreshed_at, version`;

@Injectable()
export class ToolManifestRepository {
  async find(m: Manager, serverId: string, forUpdate = false): Promise<ServerManifestRow | undefined> {
    const rows = (await m.query(
      `SELECT ${COLUMNS} FROM server_tool_manifests WHERE server_id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [serverId],
    )) as ServerManifestRow[];
    return rows[0];
  }

  async upsert(m: Manager, r: Omit<ServerManifestRow, 'version'>): Promise<ServerManifestRow> {
    const rows = (await m.query(
      `INSERT INTO server_tool_manifests (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb, $9, $10, $11, 1)
       ON CONFLICT (server_id) DO UPDATE SET artifact_run_id = EXCLUDED.artifact_run_id,
         endpoint = EXCLUDED.endpoint, digest = EXCLUDED.digest, tools = EXCLUDED.tools,
         certified_digest = EXCLUDED.certified_digest, drifted = EXCLUDED.drifted, changed = EXCLUDED.changed,
         blocked_tools = EXCLUDED.blocked_tools, discovered_at = EXCLUDED.discovered_at,
         refreshed_at = EXCLUDED.refreshed_at, version = server_tool_manifests.version + 1
       RETURNING ${COLUMNS}`,
      [
        r.server_id,
        r.artifact_run_id,
        r.endpoint,
        r.digest,
        JSON.stringify(r.tools),
        r.certified_digest,
        r.drifted,
        JSON.stringify(r.changed),
        r.blocked_tools,
        r.discovered_at,
        r.refreshed_at,
      ],
    )) as ServerManifestRow[];
    return rows[0];
  }

  /** The servers running the artifact (to re-check them when its certification changes). */
  async serversOfArtifact(m: Manager, artifactRunId: string): Promise<string[]> {
    const rows = (await m.query('SELECT server_id FROM server_tool_manifests WHERE artifact_run_id = $1', [
      artifactRunId,
    ])) as { server_id: string }[];
    return rows.map((r) => r.server_id);
  }

  async certified(m: Manager, artifactRunId: string): Promise<CertifiedManifestRow | undefined> {
    const rows = (await m.query(
      `SELECT artifact_run_id, certification_id, status, digest, tools, valid_until, evaluated_at
       FROM certified_tool_manifests WHERE artifact_run_id = $1`,
      [artifactRunId],
    )) as CertifiedManifestRow[];
    return rows[0];
  }

  /** Keeps the newest evaluation of an artifact run; an older result delivered late changes nothing. */
  async recordCertification(
    m: Manager,
    c: {
      artifact_run_id: string;
      certification_id: string;
      status: 'pass' | 'fail';
      manifest: ToolManifest | null;
      valid_until: string;
      evaluated_at: string;
    },
  ): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO certified_tool_manifests
         (artifact_run_id, certification_id, status, digest, tools, valid_until, evaluated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT (artifact_run_id) DO UPDATE SET certification_id = EXCLUDED.certification_id,
         status = EXCLUDED.status, digest = EXCLUDED.digest, tools = EXCLUDED.tools,
         valid_until = EXCLUDED.valid_until, evaluated_at = EXCLUDED.evaluated_at
       WHERE certified_tool_manifests.evaluated_at < EXCLUDED.evaluated_at
       RETURNING artifact_run_id`,
      [
        c.artifact_run_id,
        c.certification_id,
        c.status,
        c.manifest?.digest ?? null,
        c.manifest ? JSON.stringify(c.manifest.tools) : null,
        c.valid_until,
        c.evaluated_at,
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Running servers with a reachable endpoint, with the artifact run of the decision they run. */
  async watchTargets(m: Manager, serverId?: string): Promise<WatchTarget[]> {
    return (await m.query(
      `SELECT s.id AS server_id, a.endpoint, d.artifact_run_id
       FROM servers s
       JOIN runtime_assignments a ON a.server_id = s.id
       LEFT JOIN runtime_policy_decisions d ON d.id = a.decision_id
       WHERE s.status = 'running' AND a.desired_state = 'running' AND a.endpoint IS NOT NULL
         AND ($1::uuid IS NULL OR s.id = $1::uuid)`,
      [serverId ?? null],
    )) as WatchTarget[];
  }
}

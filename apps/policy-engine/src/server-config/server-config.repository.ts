// Every query behind a server's config; each method takes the manager it runs on.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

@Injectable()
export class ServerConfigRepository {
  async findServer(
    m: Manager,
    id: string,
  ): Promise<{ id: string; name: string; server_type: string } | undefined> {
    const rows = (await m.query('SELECT id, name, server_type FROM servers WHERE id = $1', [id])) as {
      id: string;
      name: string;
      server_type: string;
    }[];
    return rows[0];
  }

  /** The image of the latest successful ledger artifact, by digest when one is known. */
  async latestArtifactImage(m: Manager, serverId: string): Promise<string | undefined> {
    const rows = (await m.query(
      `SELECT registry_image, manifest_digest FROM policy_artifacts WHERE server_id = $1 AND status = 'succeeded'
       ORDER BY completed_at DESC LIMIT 1`,
      [serverId],
    )) as { registry_image: string; manifest_digest: string | null }[];
    const a = rows[0];
    if (!a) return undefined;
    return a.manifest_digest
      ? `${a.registry_image.replace(/:[^/:@]+$/, '')}@${a.manifest_digest}`
      : a.registry_image;
  }

  /** Provider keys bound to the server, for their secret references. */
  async boundKeys(m: Manager, serverId: string): Promise<{ provider_id: string; key_id: string }[]> {
    return (await m.query(
      `SELECT DISTINCT k.provider_id, k.id AS key_id FROM provider_key_bindings b JOIN provider_keys k ON k.id = b.key_id
       WHERE b.binding_type = 'server' AND b.binding_target = $1 AND k.state <> 'revoked'
       ORDER BY k.provider_id, k.id`,
      [serverId],
    )) as { provider_id: string; key_id: string }[];
  }

  /**
   * The tools a server is known to expose: those in the manifest discovered from its `tools/list` after a launch,
   * and those seen answering calls through the gateway (a server that was never launched here, or an older one).
   */
  async tools(m: Manager, serverId: string): Promise<string[]> {
    const rows = (await m.query(
      `SELECT tool FROM server_known_tools WHERE server_id = $1
       UNION
       SELECT entry->>'name' AS tool FROM server_tool_manifests, jsonb_array_elements(tools) AS entry
        WHERE server_id = $1 AND entry->>'name' IS NOT NULL
       ORDER BY tool`,
      [serverId],
    )) as { tool: string }[];
    return rows.map((r) => r.tool);
  }

  /** Idempotent: a redelivered or older call only widens the seen interval. */
  async seeTool(m: Manager, serverId: string, tool: string, at: string): Promise<void> {
    await m.query(
      `INSERT INTO server_known_tools (server_id, tool, first_seen, last_seen) VALUES ($1, $2, $3, $3)
       ON CONFLICT (server_id, tool) DO UPDATE SET
         first_seen = LEAST(server_known_tools.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(server_known_tools.last_seen, EXCLUDED.last_seen)`,
      [serverId, tool, at],
    );
  }

  async forgetServer(m: Manager, serverId: string): Promise<void> {
    await m.query('DELETE FROM server_known_tools WHERE server_id = $1', [serverId]);
  }
}

// Reads the remediation restart needs: the server, its current instance and the request its last launch was made with.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface RestartView {
  id: string;
  name: string;
  status: string;
  status_reason: string | null;
  instance_ref: string | null;
  desired_state: string | null;
  requested_tier: string | null;
  requested_backend: string | null;
  capability_requirements: string[] | null;
}

@Injectable()
export class RemediationRestartRepository {
  async find(m: Manager, serverId: string): Promise<RestartView | undefined> {
    const rows = (await m.query(
      `SELECT s.id, s.name, s.status, s.status_reason, a.instance_ref, a.desired_state,
              d.requested_tier, d.requested_backend, d.capability_requirements
         FROM servers s
         LEFT JOIN runtime_assignments a ON a.server_id = s.id
         LEFT JOIN LATERAL (
           SELECT requested_tier, requested_backend, capability_requirements FROM runtime_policy_decisions
            WHERE server_id = s.id ORDER BY decided_at DESC, id DESC LIMIT 1) d ON true
        WHERE s.id = $1`,
      [serverId],
    )) as RestartView[];
    return rows[0];
  }
}

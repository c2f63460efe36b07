// What starts a discovery or a drift check: the policy engine's own `runtime.server.status_changed` to running, and
// the evaluator's results, whose passing manifest becomes the certified one of the artifact run.
import { Injectable } from '@nestjs/common';
import { CONFORMANCE_REQUIREMENT, type EventPayload } from '@mcp-host/contracts';
import { EventHandler, type EventContext } from '@mcp-host/platform';
import { ToolManifestRepository } from './tool-manifest.repository';
import { ToolWatcher } from './tool-watcher.service';

@Injectable()
export class ToolsProjection {
  constructor(
    private readonly repo: ToolManifestRepository,
    private readonly watcher: ToolWatcher,
  ) {}

  @EventHandler('runtime.server.status_changed')
  onStatus(p: EventPayload<'runtime.server.status_changed'>): Promise<void> {
    // The refresh reads the committed assignment itself, and drops the client of a server no longer running.
    this.watcher.kickSoon(p.server_id);
    return Promise.resolve();
  }

  @EventHandler('evaluation.result.recorded')
  async onResult(p: EventPayload<'evaluation.result.recorded'>, ctx: EventContext): Promise<void> {
    if (p.policy_requirement !== CONFORMANCE_REQUIREMENT) return;
    const applied = await this.repo.recordCertification(ctx.manager, {
      artifact_run_id: p.artifact_run_id,
      certification_id: p.certification_id,
      status: p.status,
      manifest: p.status === 'pass' ? p.tool_manifest : null,
      valid_until: p.valid_until,
      evaluated_at: p.evaluated_at,
    });
    if (!applied) return;
    for (const serverId of await this.repo.serversOfArtifact(ctx.manager, p.artifact_run_id))
      this.watcher.kickSoon(serverId);
  }
}

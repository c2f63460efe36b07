// Starts and stops servers. A start records the policy decision, publishes it, and either holds the launch
// (`pending-evaluation` / `pending-governance`), fails it (no executor can serve it), or assigns it to an executor
// (`starting`), all in one transaction; the orchestrator takes it from there once it has committed.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import {
  ACTIVE_RUNTIME_STATUSES,
  type Server,
  type ServerStatus,
  type StartServerBody,
  type StartServerResponse,
  type StopServerResponse,
} from '@mcp-host/contracts';
import { OutboxService, Transactions, type Manager } from '@mcp-host/platform';
import { PolicyErrorCode, PolicyException } from '../decisions/policy-decision.exception';
import { PolicyDecisionRepository, type DecisionRow } from '../decisions/policy-decision.repository';
import { toDecision } from '../decisions/policy-decision.service';
import { ProviderKeyGate } from '../provider-keys/provider-key.gate';
import { RuntimePolicyEngine, type LaunchRequest } from '../decisions/runtime-policy-engine';
import { ServerRepository } from '../servers/server.repository';
import { toServer } from '../servers/server.service';
import { RuntimeAssignmentRepository } from './runtime-assignment.repository';
import { RuntimeOrchestrator } from './runtime-orchestrator';
import { ServerStatusWriter } from './server-status.writer';

/** The notes that hold a launch: what a held server's status reason names. */
export function gateNotesOf(notes: readonly string[]): string[] {
  return notes.filter(
    (n) =>
      (n.startsWith('evaluation:') && !n.startsWith('evaluation:certified:')) ||
      n.startsWith('governance:missing-promotion:') ||
      n.startsWith('governance:run-') ||
      (n.startsWith('promotion:') && !n.startsWith('promotion:active:')),
  );
}

interface LaunchOutcome {
  response: StartServerResponse;
  dispatched: boolean;
}

/** What a gate-free re-evaluation needs to change: the held servers and the facts that moved. */
export interface RedeployTrigger {
  tier: string;
  manifestDigest: string | null;
  artifactRunId: string | null;
  decisionId?: string | null;
  governanceRunId?: string | null;
  by: string;
}

@Injectable()
export class ServerRuntimeService {
  constructor(
    private readonly servers: ServerRepository,
    private readonly decisions: PolicyDecisionRepository,
    private readonly assignments: RuntimeAssignmentRepository,
    private readonly engine: RuntimePolicyEngine,
    private readonly status: ServerStatusWriter,
    private readonly orchestrator: RuntimeOrchestrator,
    private readonly outbox: OutboxService,
    private readonly tx: Transactions,
    private readonly keyGate: ProviderKeyGate,
  ) {}

  async start(serverId: string, body: StartServerBody, caller?: string): Promise<StartServerResponse> {
    const outcome = await this.tx.run(async (m) => {
      const server = await this.servers.lockById(m, serverId);
      if (!server)
        throw new PolicyException(PolicyErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
      const current = await this.assignments.find(m, serverId, true);
      if (
        current?.desired_state === 'running' &&
        ACTIVE_RUNTIME_STATUSES.includes(server.status as ServerStatus)
      ) {
        throw new PolicyException(
          PolicyErrorCode.ALREADY_RUNNING,
          `Server ${server.name} is ${server.status}; stop it before starting it again.`,
          { status: server.status },
        );
      }
      return this.launch(m, server, body, caller ?? null);
    });
    if (outcome.dispatched) void this.orchestrator.launch(serverId);
    return outcome.response;
  }

  /** Decides, records, publishes and moves the status, inside the caller's transaction. */
  private async launch(
    m: Manager,
    server: { id: string; name: string; server_type: string; tier: string | null },
    request: LaunchRequest,
    requestedBy: string | null,
    governanceRunId: string | null = null,
  ): Promise<LaunchOutcome> {
    const launchId = randomUUID();
    const now = new Date();
    const d = await this.engine.evaluate(m, server, request, now);
    // Provider keys bound to the server: their posture rides on the decision; a revoked or overdue key vetoes.
    const keys = await this.keyGate.evaluate(m, server.id);
    const row = await this.decisions.insert(m, {
      id: randomUUID(),
      server_id: server.id,
      launch_id: launchId,
      ...d,
      policy_notes: [...d.policy_notes, ...keys.notes],
      governance_run_id: d.governance_run_id ?? governanceRunId,
      key_posture: keys.key_posture,
      requested_backend: request.backend ?? null,
      requested_tier: request.tier ?? null,
      requested_by: requestedBy,
    });
    const decision = toDecision(row);
    await this.outbox.publish(m, 'runtime.launch.requested', {
      launch_id: launchId,
      server_id: server.id,
      requested_backend: request.backend ?? null,
      tier: d.tier,
      requested_by: requestedBy,
      requested_at: now.toISOString(),
    });
    await this.outbox.publish(m, 'policy.decision.recorded', decision);

    let status: ServerStatus;
    let dispatched = false;
    const gateNotes = gateNotesOf(d.policy_notes);
    if (d.evaluation_required || d.governance_required) {
      status = d.evaluation_required ? 'pending-evaluation' : 'pending-governance';
      await this.outbox.publish(m, 'runtime.launch.paused', {
        launch_id: launchId,
        server_id: server.id,
        policy_decision_id: row.id,
        status,
        evaluation_required: d.evaluation_required,
        governance_required: d.governance_required,
        notes: gateNotes,
        paused_at: now.toISOString(),
      });
      await this.assignments.setDesired(m, server.id, 'stopped');
    } else if (keys.vetoed) {
      status = 'error';
      await this.outbox.publish(m, 'runtime.launch.failed', {
        launch_id: launchId,
        server_id: server.id,
        policy_decision_id: row.id,
        backend: d.backend,
        error_kind: 'key_vetoed',
        message: keys.notes.join(', '),
        failed_at: now.toISOString(),
      });
      gateNotes.push(...keys.notes);
    } else if (!d.executor_name) {
      status = 'error';
      await this.outbox.publish(m, 'runtime.launch.failed', {
        launch_id: launchId,
        server_id: server.id,
        policy_decision_id: row.id,
        backend: d.backend,
        error_kind: d.capabilities_satisfied ? 'no_engine' : 'capability_unsatisfied',
        message: d.policy_notes
          .filter((n) => n.startsWith('backend:') || n.startsWith('capability:'))
          .join(', '),
        failed_at: now.toISOString(),
      });
    } else {
      status = 'starting';
      dispatched = true;
      await this.assignments.assign(m, {
        server_id: server.id,
        decision_id: row.id,
        launch_id: launchId,
        backend: d.backend,
        executor_name: d.executor_name,
        image: d.image,
      });
    }
    const reason =
      status === 'starting'
        ? null
        : (gateNotes.join(', ') || decision.policy_notes.join(', ')).slice(0, 1000);
    const updated = (await this.status.set(m, server.id, status, reason)) as Server;
    return { response: { launch_id: launchId, status, decision, server: updated }, dispatched };
  }

  async stop(serverId: string, reason: string | undefined, caller?: string): Promise<StopServerResponse> {
    const result = await this.tx.run(async (m) => {
      const server = await this.servers.lockById(m, serverId);
      if (!server)
        throw new PolicyException(PolicyErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
      const a = await this.assignments.find(m, serverId, true);
      const active =
        a?.desired_state === 'running' ||
        ['pending-evaluation', 'pending-governance', ...ACTIVE_RUNTIME_STATUSES].includes(server.status);
      if (!active) return { server: toServer(server), stopped: false, instance: false };
      if (a) await this.assignments.setDesired(m, serverId, 'stopped');
      const updated = (await this.status.set(
        m,
        serverId,
        'stopped',
        reason ?? 'stopped by operator',
      )) as Server;
      await this.outbox.publish(m, 'runtime.server.stopped', {
        server_id: serverId,
        backend: a?.backend ?? null,
        instance_ref: a?.instance_ref ?? null,
        reason: reason ?? null,
        stopped_by: caller ?? null,
        stopped_at: new Date().toISOString(),
      });
      return { server: updated, stopped: true, instance: a?.instance_ref != null };
    });
    if (result.instance) await this.orchestrator.stop(serverId);
    return { status: result.server.status as ServerStatus, stopped: result.stopped, server: result.server };
  }

  async logs(
    serverId: string,
    opts: { tail: number; follow: boolean; since?: string },
  ): Promise<{ backend: string | null; instanceRef: string | null; stream: Readable }> {
    const { server, a } = await this.tx.read(async (m) => ({
      server: await this.servers.findById(m, serverId),
      a: await this.assignments.find(m, serverId),
    }));
    if (!server)
      throw new PolicyException(PolicyErrorCode.SERVER_NOT_FOUND, `No server with id ${serverId}.`);
    const stream = a ? await this.orchestrator.logs(a, { ...opts, timestamps: opts.follow }) : undefined;
    if (!a || !stream) {
      throw new PolicyException(
        PolicyErrorCode.NOT_RUNNING,
        `Server ${server.name} has no running instance (status ${server.status}).`,
        { status: server.status },
      );
    }
    return { backend: a.backend, instanceRef: a.instance_ref, stream };
  }

  /**
   * Re-evaluates every launch a gate held that the changed facts concern, inside the event's transaction, and
   * dispatches those now allowed. A launch still held for the same reasons records no new decision, so a replayed
   * event adds nothing; one held for other reasons moves to its new held status with a new decision.
   */
  async redeployPaused(m: Manager, t: RedeployTrigger): Promise<number> {
    let dispatched = 0;
    // The decision a completed run was started for names it, even when a later held decision superseded it.
    if (t.governanceRunId && t.decisionId) {
      await this.decisions.linkGovernanceRun(m, t.decisionId, t.governanceRunId);
    }
    for (const server of await this.servers.listPaused(m)) {
      const last = await this.decisions.latestForServer(m, server.id);
      if (!last || !this.concerns(last, t)) continue;
      const locked = await this.servers.lockById(m, server.id);
      if (!locked || !['pending-evaluation', 'pending-governance'].includes(locked.status)) continue;
      const request: LaunchRequest = {
        tier: last.requested_tier ?? last.tier ?? undefined,
        backend: last.requested_backend ?? undefined,
        capabilities: last.capability_requirements,
      };
      let d;
      try {
        d = await this.engine.evaluate(m, locked, request);
      } catch {
        continue;
      }
      if (d.evaluation_required || d.governance_required) {
        // Still held: a launch held for another reason than before records the new decision, status and pause
        // event; one held exactly as before records nothing, so a replayed event adds nothing.
        const held = d.evaluation_required ? 'pending-evaluation' : 'pending-governance';
        const same =
          held === locked.status &&
          gateNotesOf(d.policy_notes).join('\n') === gateNotesOf(last.policy_notes).join('\n');
        if (!same) await this.launch(m, locked, request, t.by, t.governanceRunId ?? null);
        continue;
      }
      const outcome = await this.launch(m, locked, request, t.by, t.governanceRunId ?? null);
      if (outcome.dispatched) dispatched += 1;
    }
    if (dispatched > 0) this.orchestrator.wake();
    return dispatched;
  }

  private concerns(last: DecisionRow, t: RedeployTrigger): boolean {
    if (t.decisionId && t.decisionId === last.id) return true;
    if (last.tier !== t.tier) return false;
    if (t.manifestDigest === null && t.artifactRunId === null) return true;
    return (
      (t.manifestDigest !== null && last.manifest_digest === t.manifestDigest) ||
      (t.artifactRunId !== null && last.artifact_run_id === t.artifactRunId)
    );
  }
}

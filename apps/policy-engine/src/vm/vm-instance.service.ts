// VM instances: records each one, moves it through the guarded lifecycle with its version, writes every step to
// runtime_vm_events and publishes `vm.instance.event_recorded` in the same transaction; answers GET /api/servers/:id/vm.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OutboxService, Transactions, type Manager } from '@mcp-host/platform';
import { ServerRepository } from '../servers/server.repository';
import { VmErrorCode, VmException } from './vm.exception';
import {
  VmInstanceRepository,
  type VmEventRow,
  type VmInstanceChanges,
  type VmInstanceRow,
} from './vm-instance.repository';
import { canTransition, type AttestationStatus, type VmLifecycle } from './vm-lifecycle';

export interface VmTransition {
  to: VmLifecycle;
  eventType: string;
  attestationStatus?: AttestationStatus;
  changes?: Omit<VmInstanceChanges, 'lifecycle' | 'attestation_status'>;
  fallbackReason?: string | null;
  details?: Record<string, unknown>;
}

const INSTANCE_LIMIT = 10;
const EVENTS_PER_INSTANCE = 20;

@Injectable()
export class VmInstanceService {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly instances: VmInstanceRepository,
    private readonly servers: ServerRepository,
  ) {}

  async provision(input: {
    serverId: string;
    decisionId: string | null;
    launchId: string | null;
    executorName: string;
    isolationTier: string;
  }): Promise<VmInstanceRow> {
    return this.tx.run(async (m) => {
      const row = await this.instances.insert(m, {
        id: randomUUID(),
        server_id: input.serverId,
        decision_id: input.decisionId,
        launch_id: input.launchId,
        executor_name: input.executorName,
        isolation_tier: input.isolationTier,
        lifecycle: 'provisioned',
        attestation_status: 'pending',
      });
      await this.record(m, row, 'provisioned', null, {
        decision_id: input.decisionId,
        launch_id: input.launchId,
      });
      return row;
    });
  }

  /** Moves the instance from its current state, if the state machine allows it and nobody moved it meanwhile. */
  async transition(id: string, expectedVersion: number, t: VmTransition): Promise<VmInstanceRow> {
    return this.tx.run(async (m) => {
      const current = await this.instances.findById(m, id);
      if (!current) throw new VmException(VmErrorCode.INSTANCE_NOT_FOUND, `VM instance ${id} not found`);
      if (current.version !== expectedVersion) {
        throw new VmException(
          VmErrorCode.VERSION_CONFLICT,
          `VM instance ${id} is at version ${current.version}`,
          {
            current_version: current.version,
          },
        );
      }
      if (!canTransition(current.lifecycle, t.to)) {
        throw new VmException(
          VmErrorCode.INVALID_TRANSITION,
          `a VM instance cannot move from ${current.lifecycle} to ${t.to}`,
          { from: current.lifecycle, to: t.to },
        );
      }
      const updated = await this.instances.updateIfVersion(m, id, expectedVersion, current.lifecycle, {
        ...t.changes,
        lifecycle: t.to,
        ...(t.attestationStatus ? { attestation_status: t.attestationStatus } : {}),
      });
      if (!updated) {
        const now = await this.instances.findById(m, id);
        throw new VmException(
          VmErrorCode.VERSION_CONFLICT,
          `VM instance ${id} is at version ${now?.version ?? 'unknown'}`,
          { current_version: now?.version ?? null },
        );
      }
      await this.record(m, updated, t.eventType, t.fallbackReason ?? null, t.details ?? {});
      return updated;
    });
  }

  async find(id: string): Promise<VmInstanceRow | undefined> {
    return this.tx.read((m) => this.instances.findById(m, id));
  }

  async listByExecutor(executorName: string, lifecycles: VmLifecycle[]): Promise<VmInstanceRow[]> {
    return this.tx.read((m) => this.instances.listByExecutor(m, executorName, lifecycles));
  }

  async eventsOf(id: string, limit: number): Promise<VmEventRow[]> {
    return this.tx.read((m) => this.instances.eventsOf(m, [id], limit));
  }

  /** The latest instances of a server with their attestation status, isolation tier and recent lifecycle events. */
  async forServer(serverId: string) {
    return this.tx.read(async (m) => {
      const server = await this.servers.findById(m, serverId);
      if (!server) throw new VmException(VmErrorCode.SERVER_NOT_FOUND, `server ${serverId} not found`);
      const rows = await this.instances.latestForServer(m, serverId, INSTANCE_LIMIT);
      const events = await this.instances.eventsOf(
        m,
        rows.map((r) => r.id),
        EVENTS_PER_INSTANCE,
      );
      return {
        server_id: serverId,
        instances: rows.map((r) => {
          const own = events.filter((e) => e.vm_instance_id === r.id);
          const fallback = own.find((e) => e.fallback_reason !== null);
          return {
            id: r.id,
            executor_name: r.executor_name,
            decision_id: r.decision_id,
            lifecycle: r.lifecycle,
            attestation_status: r.attestation_status,
            isolation_tier: r.isolation_tier,
            measurement: r.measurement,
            fallback_reason: fallback?.fallback_reason ?? null,
            attestation: r.attestation_details,
            version: r.version,
            created_at: r.created_at.toISOString(),
            updated_at: r.updated_at.toISOString(),
            events: own.map((e) => ({
              id: e.id,
              event_type: e.event_type,
              lifecycle: e.lifecycle,
              attestation_status: e.attestation_status,
              isolation_tier: e.isolation_tier,
              fallback_reason: e.fallback_reason,
              details: e.details,
              occurred_at: e.occurred_at.toISOString(),
            })),
          };
        }),
      };
    });
  }

  private async record(
    m: Manager,
    row: VmInstanceRow,
    eventType: string,
    fallbackReason: string | null,
    details: Record<string, unknown>,
  ): Promise<void> {
    const event = await this.instances.insertEvent(m, {
      id: randomUUID(),
      vm_instance_id: row.id,
      server_id: row.server_id,
      event_type: eventType,
      lifecycle: row.lifecycle,
      attestation_status: row.attestation_status,
      isolation_tier: row.isolation_tier,
      fallback_reason: fallbackReason,
      details: { ...details, lifecycle: row.lifecycle, version: row.version },
    });
    await this.outbox.publish(m, 'vm.instance.event_recorded', {
      event_id: event.id,
      vm_instance_id: row.id,
      server_id: row.server_id,
      event_type: eventType,
      attestation_status: row.attestation_status,
      isolation_tier: row.isolation_tier,
      fallback_reason: fallbackReason,
      details: event.details,
      occurred_at: event.occurred_at.toISOString(),
      lifecycle: row.lifecycle,
      version: row.version,
    });
  }
}

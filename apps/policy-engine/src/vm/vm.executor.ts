// The VM executor: runs each MCP server in its own micro-VM through a Firecracker-style VM manager API (machine
// config, boot source, root drive, vsock, InstanceStart), then asks the guest's attestation agent over vsock for an
// attestation-result token answering a fresh nonce. Only an instance whose evidence passes every check becomes
// `trusted` and then `running`; any other is `rejected` and its VM is stopped. Every step is a lifecycle event.
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AttestationVerifier, type AttestationVerdict } from './attestation.verifier';
import { FirecrackerClient, vsockExchange } from './firecracker.client';
import type { VmConfig } from './vm.config';
import { VmErrorCode, VmException } from './vm.exception';
import type { VmInstanceService } from './vm-instance.service';
import type { VmmHandle, VmmSpawner } from './vmm-spawner';
import type {
  LaunchedInstance,
  LaunchSpec,
  LogOptions,
  ManagedInstance,
  RuntimeExecutor,
  RuntimeExecutorDescriptor,
} from '../runtime/runtime-executor';

const CONFIDENTIAL_PLATFORMS = new Set(['sev-snp', 'tdx', 'cca']);

interface Running {
  handle: VmmHandle;
  client: FirecrackerClient;
  spec: LaunchSpec;
}

export class VmExecutor implements RuntimeExecutor {
  readonly descriptor: RuntimeExecutorDescriptor;
  private readonly verifier: AttestationVerifier;
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly config: VmConfig,
    private readonly instances: VmInstanceService,
    private readonly spawner: VmmSpawner,
  ) {
    this.descriptor = { name: 'vm-firecracker', kind: 'vm', capabilities: config.VM_CAPABILITIES };
    this.verifier = new AttestationVerifier(config);
  }

  /** Boots a VM for the server and attests it; resolves only for a trusted, running instance. */
  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    let row = await this.instances.provision({
      serverId: spec.serverId,
      decisionId: spec.decisionId,
      launchId: spec.launchId,
      executorName: this.descriptor.name,
      isolationTier: 'microvm',
    });
    const id = row.id;
    await mkdir(this.config.VM_SOCKET_DIR, { recursive: true });
    const apiSocket = join(this.config.VM_SOCKET_DIR, `${id}.sock`);
    const vsockPath = join(this.config.VM_SOCKET_DIR, `${id}.vsock`);
    let handle: VmmHandle | undefined;
    try {
      handle = await this.spawner.spawn(id, apiSocket);
      const client = new FirecrackerClient(apiSocket);
      await client.putMachineConfig({
        vcpu_count: this.config.VM_VCPUS,
        mem_size_mib: this.config.VM_MEMORY_MB,
        smt: false,
      });
      await client.putBootSource({
        kernel_image_path: this.config.VM_KERNEL_IMAGE,
        boot_args: this.config.VM_BOOT_ARGS,
      });
      await client.putDrive({
        drive_id: 'rootfs',
        path_on_host: join(this.config.VM_ROOTFS_DIR, `${spec.image.replace(/[/:@]/g, '_')}.ext4`),
        is_root_device: true,
        is_read_only: true,
      });
      await client.putVsock({ guest_cid: this.config.VM_GUEST_CID, uds_path: vsockPath });
      await client.action('InstanceStart');

      const nonce = randomBytes(32).toString('base64url');
      const issuedAt = new Date();
      row = await this.instances.transition(id, row.version, {
        to: 'attesting',
        eventType: 'attesting',
        changes: { attestation_nonce: nonce, nonce_issued_at: issuedAt },
        details: { vsock_port: this.config.VM_ATTESTATION_PORT },
      });

      let verdict: AttestationVerdict;
      try {
        const answer = await vsockExchange(
          vsockPath,
          this.config.VM_ATTESTATION_PORT,
          JSON.stringify({ nonce }),
          this.config.VM_ATTESTATION_TIMEOUT_MS,
        );
        const token = (JSON.parse(answer) as { token?: unknown }).token;
        verdict =
          typeof token === 'string'
            ? this.verifier.verify(token, { serverId: spec.serverId, nonce, issuedAt })
            : refused('the guest agent answered no token');
      } catch (err) {
        verdict = refused(`no evidence from the guest: ${err instanceof Error ? err.message : String(err)}`);
      }

      const attestation = {
        failure: verdict.failure,
        message: verdict.message,
        platform: verdict.platform,
        tcb_version: verdict.tcbVersion,
        debug: verdict.debug,
      };
      if (!verdict.ok) {
        await this.instances.transition(id, row.version, {
          to: 'rejected',
          eventType: 'attestation_failed',
          attestationStatus: 'failed',
          changes: { measurement: verdict.measurement, attestation_details: attestation },
          details: attestation,
        });
        await handle.kill();
        handle = undefined;
        throw new VmException(
          VmErrorCode.ATTESTATION_REFUSED,
          `VM ${id} failed attestation: ${verdict.message}`,
          {
            vm_instance_id: id,
            failure: verdict.failure,
          },
        );
      }
      row = await this.instances.transition(id, row.version, {
        to: 'trusted',
        eventType: 'attested',
        attestationStatus: 'verified',
        changes: {
          measurement: verdict.measurement,
          attestation_details: attestation,
          isolation_tier: CONFIDENTIAL_PLATFORMS.has(verdict.platform ?? '') ? 'confidential-vm' : 'microvm',
        },
        details: attestation,
      });
      row = await this.instances.transition(id, row.version, { to: 'running', eventType: 'running' });
      this.running.set(id, { handle, client, spec });
      return { instanceRef: id, endpoint: null };
    } catch (err) {
      if (handle) await handle.kill().catch(() => undefined);
      const current = await this.instances.find(id);
      if (current && ['provisioned', 'attesting'].includes(current.lifecycle)) {
        await this.instances
          .transition(id, current.version, {
            to: 'retired',
            eventType: 'launch_failed',
            details: { error: err instanceof Error ? err.message : String(err) },
          })
          .catch(() => undefined);
      }
      await rm(apiSocket, { force: true });
      await rm(vsockPath, { force: true });
      throw err;
    }
  }

  async stop(instanceRef: string): Promise<void> {
    await this.halt(instanceRef, 'retired', 'terminated', {});
  }

  /** Stops the VM and keeps the instance out of service, as a remediation does. */
  async quarantine(instanceRef: string, reason: string): Promise<void> {
    await this.halt(instanceRef, 'quarantined', 'quarantined', { reason });
  }

  async isRunning(instanceRef: string): Promise<boolean> {
    const vm = this.running.get(instanceRef);
    if (!vm) return false;
    try {
      return (await vm.client.describe()).state === 'Running';
    } catch {
      return false;
    }
  }

  /** A VM cannot boot twice: the old one is retired and a new one is launched and attested. */
  async restart(instanceRef: string): Promise<LaunchedInstance> {
    const vm = this.running.get(instanceRef);
    if (!vm) throw new Error(`VM instance ${instanceRef} is not managed by this process`);
    await this.stop(instanceRef);
    return this.launch(vm.spec);
  }

  async list(): Promise<ManagedInstance[]> {
    const rows = await this.instances.listByExecutor(this.descriptor.name, ['trusted', 'running']);
    return Promise.all(
      rows.map(async (r) => ({
        instanceRef: r.id,
        serverId: r.server_id,
        decisionId: r.decision_id ?? '',
        running: await this.isRunning(r.id),
      })),
    );
  }

  /** The instance's lifecycle events, oldest first, as log lines. */
  async logs(instanceRef: string, opts: LogOptions): Promise<Readable> {
    const events = (await this.instances.eventsOf(instanceRef, Math.max(1, opts.tail))).reverse();
    const lines = events
      .filter((e) => !opts.since || e.occurred_at.toISOString() > opts.since)
      .map(
        (e) =>
          `${opts.timestamps ? `${e.occurred_at.toISOString()} ` : ''}${e.event_type} lifecycle=${e.lifecycle} attestation=${e.attestation_status}\n`,
      );
    return Readable.from(lines);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id).catch(() => undefined)));
  }

  private async halt(
    instanceRef: string,
    to: 'retired' | 'quarantined',
    eventType: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const vm = this.running.get(instanceRef);
    this.running.delete(instanceRef);
    if (vm) await vm.handle.kill();
    await rm(join(this.config.VM_SOCKET_DIR, `${instanceRef}.sock`), { force: true });
    await rm(join(this.config.VM_SOCKET_DIR, `${instanceRef}.vsock`), { force: true });
    const current = await this.instances.find(instanceRef);
    if (!current || current.lifecycle === to || current.lifecycle === 'retired') return;
    await this.instances.transition(instanceRef, current.version, { to, eventType, details });
  }
}

function refused(message: string): AttestationVerdict {
  return {
    ok: false,
    failure: 'malformed',
    message,
    platform: null,
    measurement: null,
    tcbVersion: null,
    debug: null,
  };
}

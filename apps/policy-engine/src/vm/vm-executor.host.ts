// Builds the VM executor from configuration and registers it with the runtime's executor registry, so the policy
// engine can place launches that require `confidential` on it; stops its VMs when the process shuts down.
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '@mcp-host/platform';
import { ExecutorRegistry } from '../runtime/executor-registry';
import type { VmConfig } from './vm.config';
import { VmExecutor } from './vm.executor';
import { VmInstanceService } from './vm-instance.service';
import { VMM_SPAWNER, type VmmSpawner } from './vmm-spawner';

@Injectable()
export class VmExecutorHost implements OnModuleInit, OnApplicationShutdown {
  /** Set when VM_EXECUTOR_ENABLED is true. */
  executor?: VmExecutor;

  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly instances: VmInstanceService,
    @Inject(VMM_SPAWNER) private readonly spawner: VmmSpawner,
    @InjectConfig() private readonly config: VmConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.VM_EXECUTOR_ENABLED) return;
    this.executor = new VmExecutor(this.config, this.instances, this.spawner);
    this.registry.register(this.executor);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.executor?.close();
  }
}

// The VM feature: VM instances and their events, the VM executor with attestation, and GET /api/servers/:id/vm.
import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG } from '@mcp-host/platform';
import { RuntimeModule } from '../runtime/runtime.module';
import { ServerRepository } from '../servers/server.repository';
import type { VmConfig } from './vm.config';
import { VmController } from './vm.controller';
import { VmExecutorHost } from './vm-executor.host';
import { VmInstanceRepository } from './vm-instance.repository';
import { VmInstanceService } from './vm-instance.service';
import { ProcessVmmSpawner, VMM_SPAWNER } from './vmm-spawner';

@Module({
  imports: [RuntimeModule],
  controllers: [VmController],
  providers: [
    ServerRepository,
    VmInstanceRepository,
    VmInstanceService,
    VmExecutorHost,
    {
      provide: VMM_SPAWNER,
      inject: [PLATFORM_CONFIG],
      useFactory: (config: VmConfig) =>
        new ProcessVmmSpawner(config.VM_FIRECRACKER_BIN, config.VM_FIRECRACKER_ARGS),
    },
  ],
  exports: [VmInstanceService, VmExecutorHost],
})
export class VmModule {}

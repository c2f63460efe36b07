// GET /api/servers/:id/vm: a server's latest VM instances, attestation statuses, isolation tiers and lifecycle events.
import { Controller, Get, Param } from '@nestjs/common';
import { UuidParamPipe } from '@mcp-host/platform';
import { VmInstanceService } from './vm-instance.service';

const uuid = new UuidParamPipe('server');

@Controller('api/servers')
export class VmController {
  constructor(private readonly instances: VmInstanceService) {}

  @Get(':id/vm')
  vm(@Param('id', uuid) id: string) {
    return this.instances.forServer(id);
  }
}

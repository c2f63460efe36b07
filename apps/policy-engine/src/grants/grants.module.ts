// The MCP tool grant store.
import { Module } from '@nestjs/common';
import { GrantController } from './grant.controller';
import { GrantRepository } from './grant.repository';
import { GrantService } from './grant.service';

@Module({
  controllers: [GrantController],
  providers: [GrantRepository, GrantService],
})
export class GrantsModule {}

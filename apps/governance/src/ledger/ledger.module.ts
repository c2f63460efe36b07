// The artifact ledger as the governance service sees it (artifact.recorded).
import { Module } from '@nestjs/common';
import { LedgerProjection } from './ledger.projection';
import { LedgerRepository } from './ledger.repository';

@Module({
  providers: [LedgerRepository, LedgerProjection],
  exports: [LedgerRepository],
})
export class LedgerModule {}

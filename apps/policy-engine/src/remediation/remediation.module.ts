// Remediation executors the policy engine carries out: restart-server through the runtime.
import { Module } from '@nestjs/common';
import { RuntimeModule } from '../runtime/runtime.module';
import { RemediationRestartConsumer } from './remediation-restart.consumer';
import { RemediationRestartRepository } from './remediation-restart.repository';

@Module({
  imports: [RuntimeModule],
  providers: [RemediationRestartRepository, RemediationRestartConsumer],
})
export class RemediationModule {}

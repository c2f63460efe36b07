// Runs the governance service alone: node apps/governance/dist/main.js
import { startTelemetry } from '@mcp-host/platform/telemetry';
startTelemetry('governance');
import { runService } from '@mcp-host/platform';
import { GovernanceModule } from './governance.module';

void runService(() => GovernanceModule.forRoot());

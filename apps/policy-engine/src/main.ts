// Runs the policy engine alone: node apps/policy-engine/dist/main.js
import { startTelemetry } from '@mcp-host/platform/telemetry';
startTelemetry('policy-engine');
import { runService } from '@mcp-host/platform';
import { PolicyEngineModule } from './policy-engine.module';

void runService(() => PolicyEngineModule.forRoot());

// Runs the gateway alone: node apps/gateway/dist/main.js
import { startTelemetry } from '@mcp-host/platform/telemetry';
startTelemetry('gateway');
import { runService } from '@mcp-host/platform';
import { GatewayModule } from './gateway.module';

void runService(() => GatewayModule.forRoot());

// Runs the build service alone: node apps/build-service/dist/main.js
import { startTelemetry } from '@mcp-host/platform/telemetry';
startTelemetry('build-service');
import { runService } from '@mcp-host/platform';
import { BuildServiceModule } from './build-service.module';

void runService(() => BuildServiceModule.forRoot());
